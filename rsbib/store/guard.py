"""One guard for every command that opens the library: SQLite failures become one line.

The line names the file, the problem in plain words, and the way out
(restore a copy, re-sync into a new file, wait for the other writer...).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from rsbib import RsbibError

LOCK_TIMEOUT_VARIABLE = "RSBIB_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 30.0  # seconds a command waits for another writer before giving up


class LibraryUnusable(RsbibError):
    """The library file cannot be used; the message is the one line to show."""


def lock_timeout() -> float:
    """Seconds to wait for a lock held by another program (RSBIB_LOCK_TIMEOUT, default 30)."""
    value = os.environ.get(LOCK_TIMEOUT_VARIABLE, "")
    try:
        seconds = float(value) if value else DEFAULT_LOCK_TIMEOUT
    except ValueError:
        raise LibraryUnusable(f"{LOCK_TIMEOUT_VARIABLE}={value!r}: expected seconds") from None
    return max(seconds, 0.0)


def describe(path: str, error: sqlite3.Error) -> str:
    """One line: the file, what is wrong with it, and what the user can do."""
    text = str(error)
    lowered = text.lower()
    restore = ("restore a backup copy (the shipped library: `git checkout -- library.db`) "
               "or sync into a new file (`rsbib sync --db NEW.db`)")
    if "malformed" in lowered or "corrupt" in lowered:
        return f"{path}: the library is damaged ({text}); {restore}"
    if "not a database" in lowered or "encrypted" in lowered:
        return (f"{path}: cannot open as a library, it is not an SQLite database ({text}); "
                f"check that --db names the library, or {restore}")
    if "locked" in lowered or "busy" in lowered:
        return (f"{path}: the library is locked by another program for more than "
                f"{lock_timeout():g} s ({text}); let the running sync finish or close the program "
                f"holding it, then retry (or wait longer: {LOCK_TIMEOUT_VARIABLE}=SECONDS)")
    if "readonly" in lowered or "read-only" in lowered:
        return (f"{path}: the library cannot be written here ({text}); make the file and its "
                f"folder writable, or copy the library somewhere writable and use --db")
    if "unable to open" in lowered:
        return f"{path}: cannot open the library ({text}); check the path and its folder's permissions"
    if "disk i/o" in lowered or "full" in lowered:
        return f"{path}: the disk failed or is full ({text}); free space, then retry; {restore}"
    return f"{path}: SQLite error ({text}); {restore}"


@contextmanager
def guarded(path: str) -> Iterator[None]:
    """Turn any SQLite error raised inside (opening or using the library) into LibraryUnusable."""
    try:
        yield
    except sqlite3.Error as exc:
        raise LibraryUnusable(describe(path, exc)) from exc
