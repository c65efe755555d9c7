"""`rsbib search` as one call: the query read, the library searched (read, never written)."""

from __future__ import annotations

from dataclasses import dataclass

from rsbib import RsbibError
from rsbib.export.items import Item


class NothingMatches(RsbibError):
    """The search found nothing: exit 1 (a lookup that found nothing, as `rsbib search` promises)."""

    exit_code = 1


@dataclass(frozen=True)
class SearchOptions:
    query: tuple[str, ...]  # the words as given; joined by spaces
    db_path: str = "library.db"
    field: str | None = None  # plain words search this field only


def find_papers(options: SearchOptions) -> list[Item]:
    """The export items that match, in export order; QueryError for a query that cannot be read."""
    from rsbib.search.query import parse_query, search
    from rsbib.store.opening import open_library

    text = " ".join(options.query)
    terms = parse_query(text, options.field)
    with open_library(options.db_path, readonly=True) as library:
        items = search(library, terms)
    if not items:
        raise NothingMatches(f"nothing matches {text!r}")
    return items
