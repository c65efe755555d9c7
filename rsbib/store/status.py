"""`rsbib status` as one call: rows per table and status, the works, and what the library says of itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rsbib.store.opening import open_library


@dataclass(frozen=True)
class StatusOptions:
    db_path: str = "library.db"


@dataclass
class LibraryStatus:
    counts: dict[str, Any]  # Library.status_counts(), as `status --json` prints it
    about: dict[str, list[str]]  # the `about` table, by key (empty when there is none)


def library_status(options: StatusOptions) -> LibraryStatus:
    """The counts and the `about` of the library, read without writing to it."""
    with open_library(options.db_path, readonly=True) as library:
        return LibraryStatus(library.status_counts().to_dict(), library.about.read())
