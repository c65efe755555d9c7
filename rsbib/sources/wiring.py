"""The metadata sources and the plan of who is asked what: adding a source is one line of WIRING.

Each line names a source's class and its places in the plan: whether it is
asked for the identifiers of its `id_kind` read from links (`lookup`), and
its rank among the sources asked for titles (`title_search`), for the
versions of record of preprints (`published`), and last for the works still
without a version of record (`fallback`); lower ranks are asked first, None
means never.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from rsbib.resolve.plan import Plan
from rsbib.settings import Settings
from rsbib.sources.arxiv import ArxivSource
from rsbib.sources.base import Source
from rsbib.sources.crossref import CrossrefSource
from rsbib.sources.dblp import DblpSource
from rsbib.sources.polite import Recorder


class SourceClass(Protocol):
    def __call__(self, settings: Settings, recorder: Recorder | None = None,
                 on_unreachable: Callable[[str, str], None] | None = None) -> Source: ...


@dataclass(frozen=True)
class Wiring:
    make: SourceClass
    lookup: int | None = None
    title_search: int | None = None
    published: int | None = None
    fallback: int | None = None


WIRING: list[Wiring] = [
    # source                 ids from links   titles            versions of record  still none
    Wiring(ArxivSource,      lookup=1,        title_search=2),
    Wiring(CrossrefSource,   lookup=2,        title_search=1,   published=1),
    Wiring(DblpSource,                                                              fallback=1),
]


def build(settings: Settings, recorder: Recorder | None = None,
          on_unreachable: Callable[[str, str], None] | None = None,
          wiring: list[Wiring] | None = None) -> tuple[list[Source], Plan]:
    """The sources of WIRING, made from `settings`, and the plan that ranks them."""
    lines = WIRING if wiring is None else wiring
    made = [(line, line.make(settings, recorder, on_unreachable)) for line in lines]

    def ranked(role: str) -> tuple[str, ...]:
        placed = [(getattr(line, role), source.name) for line, source in made
                  if getattr(line, role) is not None]
        return tuple(name for _, name in sorted(placed))

    plan = Plan(lookups=ranked("lookup"), title_search=ranked("title_search"),
                published=ranked("published"), fallback=ranked("fallback"))
    return [source for _, source in made], plan
