"""The library opened for one command: a missing, foreign or damaged file is one RsbibError.

Every SQLite failure while it is open (damaged pages, locked, not a
database, read-only) becomes LibraryUnusable, whose message says the way out.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from rsbib.store.guard import guarded, lock_timeout
from rsbib.store.library import Library, LibraryError


@contextmanager
def open_library(db_path: str, must_exist: bool = False, readonly: bool = False) -> Iterator[Library]:
    """The library at `db_path` (created unless `must_exist` or `readonly`); `readonly` never writes to it."""
    if (must_exist or readonly) and not os.path.exists(db_path):
        raise LibraryError(f"{db_path}: no such library (run `rsbib sync --db {db_path}` first)")
    refuse_directory(db_path)
    with guarded(db_path):
        try:
            library = Library(db_path, readonly=readonly, busy_timeout=lock_timeout())
        except LibraryError as exc:
            if isinstance(exc.__cause__, sqlite3.Error):
                raise exc.__cause__ from exc  # guarded names the SQLite problem and the way out
            raise
        try:
            yield library
        finally:
            library.close()


def refuse_directory(db_path: str) -> None:
    """A directory is no library (checked before a sync takes its lock beside it)."""
    if os.path.isdir(db_path):
        raise LibraryError(f"{db_path}: cannot open as a library (it is a directory)")
