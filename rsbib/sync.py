"""`rsbib sync` as a library call: list -> library.db, resolving what is not yet settled."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from . import __version__
from .awesome import Problem, parse
from .library import Library, row_to_resolve
from .resolve import Resolver
from .settings import Settings
from .sources import wiring


@dataclass
class SyncReport:
    run_id: int
    source: str
    rows: int
    looked_up: int
    offline_skipped: int
    requests: dict[str, int]
    counts: dict
    problems: list[Problem] = field(default_factory=list)
    attention: list[dict] = field(default_factory=list)  # failed and ambiguous rows
    listing: dict = field(default_factory=dict)  # rows unlisted / pruned by this sync

    @property
    def exit_code(self) -> int:
        """0 all good; 1 some rows failed or are ambiguous (the summary names them)."""
        return 1 if self.attention else 0


class ResponseLog:
    """Raw answers collected from the client threads, written by the main thread with each batch."""

    def __init__(self):
        self._items: list[tuple] = []
        self._lock = threading.Lock()

    def __call__(self, service, url, status, headers, body, elapsed_ms) -> None:
        with self._lock:
            self._items.append((service, url, status, headers, body, elapsed_ms))

    def drain(self) -> list[tuple]:
        with self._lock:
            items, self._items = self._items, []
        return items


def sync(library: Library, text: str, name: str, offline: bool = False,
         refresh: bool = False, settings: Settings | None = None,
         start: Callable[[int], Callable[[int], None]] | None = None,
         prune: bool = False,
         on_unreachable: Callable[[str, str], None] | None = None) -> SyncReport:
    """Store the rows of the list `text` (read from `name`), resolve the unsettled ones, key the works.

    The caller reads the list first (awesome.load_source), so a list that
    cannot be read never touches the library. `start(total)` may return a
    callback that is told how many rows were decided (the CLI draws its
    progress bar with it). `on_unreachable(service, reason)` is told once when a
    service stops answering and is no longer asked this run.
    """
    settings = settings or Settings.from_env()
    parsed = parse(text, name)
    run_id = library.start_run(
        source=name, source_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        rsbib_version=__version__, offline=int(offline), refresh=int(refresh),
        rows=len(parsed.rows))
    listing = library.store_list(parsed, run_id=run_id, prune=prune)
    pending = library.entries_to_resolve(refresh=refresh)
    log = ResponseLog()
    sources, plan = wiring.build(settings, log, on_unreachable)
    kept: list[int] = []
    if offline:
        library.mark_not_looked_up([e["id"] for e in pending if e["status"] != "failed"],
                                   "not looked up: --offline")
    elif pending:
        advance = start(len(pending)) if start else None
        resolver = Resolver(sources, plan, advance)
        for batch in resolver.run([row_to_resolve(e) for e in pending]):
            kept += library.save_outcomes(batch, run_id, responses=log.drain())
        library.save_outcomes([], run_id, responses=log.drain())
    requests = {s.name: s.requests for s in sources}
    library.record_services(run_id, [{"service": s.name, "url": s.url, "requests": s.requests,
                                      "failures": s.failures} for s in sources])
    library.key_unresolved_rows()
    counts = library.status_counts()
    attention = library.needs_attention(also=kept)
    report = SyncReport(run_id, name, len(parsed.rows), 0 if offline else len(pending),
                        len(pending) if offline else 0, requests, counts, parsed.problems,
                        attention, listing)
    totals = counts["totals"]
    library.finish_run(run_id, resolved=totals["resolved"], ambiguous=totals["ambiguous"],
                       unresolved=totals["unresolved"], failed=totals["failed"],
                       not_a_paper=totals["not-a-paper"], exit_code=report.exit_code)
    library.record_list(run_id, name)
    return report
