"""`rsbib status` as one call: rows per table and status, the works, and what the library says of itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rsbib.store.library import Library
from rsbib.store.opening import open_library


@dataclass(frozen=True)
class StatusOptions:
    db_path: str = "library.db"


@dataclass
class LibraryStatus:
    counts: dict[str, Any]  # Library.status_counts()
    about: dict[str, list[str]]  # the `about` table, by key (empty when there is none)


def library_status(options: StatusOptions) -> LibraryStatus:
    """The counts and the `about` of the library, read without writing to it."""
    with open_library(options.db_path, readonly=True) as library:
        return LibraryStatus(library.status_counts(), about(library))


def about(library: Library) -> dict[str, list[str]]:
    """What the library says about itself (the `about` table a build may write), by key."""
    found: dict[str, list[str]] = {}
    if "about" in library.db.table_names():
        for key, value in library.db.execute("SELECT key, value FROM about ORDER BY rowid"):
            found.setdefault(key, []).append(value)
    return found
