"""library.db opened: the one object the commands read and write the library through.

sqlite-utils does the table work. Every write of a sync goes through
`db.atomic()` (in sqlite-utils 4 `with db.conn:` is not atomic), so a failed
or killed run leaves the file as it was after its last whole batch.

Each concern lives in its own module of rsbib.store, as a repository the
library holds (composition): sync runs and raw answers (`runs`), the list
(`entries`), works and authors (`works`), keys (`keys`), the resolver's answers
(`outcomes`), the lists read (`versions`), the sources' kept answers (`answers`)
and what the library says about itself (`about`). The schema and its upgrades
are in schema; corrections by hand in pins and reapply.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from urllib.parse import quote

import sqlite_utils

from rsbib.metadata.records import EntryStatus, Outcome, StatusCounts
from rsbib.store.entries import Entries
from rsbib.store.kept import About, Answers
from rsbib.store.keys import Keys
from rsbib.store.outcomes import Outcomes
from rsbib.store.runs import Runs
from rsbib.store.schema import SCHEMA_VERSION, SEARCHED, STATUSES, LibraryError, migrate, now, refresh_papers
from rsbib.store.versions import ListVersions
from rsbib.store.works import Works

__all__ = ["SCHEMA_VERSION", "SEARCHED", "STATUSES", "Library", "LibraryError", "Outcome", "now", "read_only_uri",
           "schema_version"]

LEAVE_WAL_WAIT = 2.0  # seconds a closing sync waits for the reads running to end, to leave WAL


class Library:
    """library.db opened for reading and writing; its tables through the repositories it holds."""

    db: sqlite_utils.Database
    runs: Runs
    entries: Entries
    works: Works
    keys: Keys
    outcomes: Outcomes
    versions: ListVersions
    answers: Answers
    about: About

    def __init__(self, path: str | Path, readonly: bool = False, busy_timeout: float = 30.0):
        """Open (and create or upgrade) a library; `readonly` never writes to the file.

        `busy_timeout`: seconds to wait for another program's lock before failing.
        """
        self.path = Path(path)
        self.readonly = readonly
        try:
            if readonly:
                self.db = sqlite_utils.Database(sqlite3.connect(read_only_uri(self.path), uri=True))
            else:
                self.db = sqlite_utils.Database(self.path)
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            migrate(self.db, self.readonly)
        except LibraryError as exc:
            raise LibraryError(f"{self.path}: {exc}") from exc
        except sqlite3.Error as exc:
            raise LibraryError(f"{self.path}: cannot open as a library ({exc})") from exc
        self._attach()

    def _attach(self) -> None:
        """The repositories, all over the one connection."""
        db = self.db
        self.runs, self.entries, self.works = Runs(db), Entries(db), Works(db)
        self.keys = Keys(db, self.works, self.entries)
        self.outcomes = Outcomes(db, self.works, self.keys, self.runs)
        self.versions, self.answers, self.about = ListVersions(db), Answers(db), About(db)

    @classmethod
    def reader(cls, connection: sqlite3.Connection, path: str | Path) -> Library:
        """A read-only view of a library through a connection someone else opened (Datasette's)."""
        library = cls.__new__(cls)
        library.path, library.readonly = Path(path), True
        library.db = sqlite_utils.Database(connection)
        library._attach()
        return library

    def use_wal(self) -> None:
        """While a sync writes: readers (Datasette) never wait for it, nor it for them.

        The switch needs a moment with no reader, which a stream of readers
        never leaves; a write in exclusive locking mode makes one (its commit
        holds readers off while it waits), and keeps the lock for the switch.
        """
        if self.db.journal_mode == "wal":
            return
        self._switch_journal("wal")

    def _switch_journal(self, mode: str) -> None:
        """Switch to journal `mode` under an exclusive lock taken by a write in exclusive locking mode.

        The write waits for the lock (busy timeout) holding new readers off
        while the running reads end, and keeps it for the switch; leaving WAL
        by itself would try for the lock once, without waiting. Raises
        sqlite3.OperationalError when the lock did not come in time.
        """
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        self.db.execute("PRAGMA locking_mode = EXCLUSIVE")
        try:
            with self.db.atomic():
                self.db.execute(f"PRAGMA user_version = {version}")
            self.db.execute("PRAGMA locking_mode = NORMAL")  # takes effect after the switch
            self.db.execute(f"PRAGMA journal_mode = {mode}")
        finally:
            self.db.execute("PRAGMA locking_mode = NORMAL")
            self.db.execute("SELECT 1 FROM sqlite_master LIMIT 1")  # lets the exclusive lock go

    def status_counts(self) -> StatusCounts:
        """Rows per category and status, plus totals; rows no longer listed are counted apart."""
        counts: dict[str, dict[EntryStatus, int]] = {}
        listed_in = {r[0] for r in self.db.execute("SELECT DISTINCT category FROM entries "
                                                   "WHERE listed = 1")}
        kept_only = {r[0] for r in self.db.execute("SELECT DISTINCT category FROM entries")} - listed_in
        for cat in self.db.table("categories").rows_where(order_by="position"):
            if cat["slug"] not in kept_only:
                counts[cat["slug"]] = dict.fromkeys(EntryStatus, 0)
        for slug, status, n in self.db.execute(
                "SELECT category, status, count(*) FROM entries WHERE listed = 1 GROUP BY category, status"):
            counts.setdefault(slug, dict.fromkeys(EntryStatus, 0))[EntryStatus(status)] = n
        return StatusCounts(works=self.works.count(),
                            unlisted=self.db.table("entries").count_where("listed = 0"),
                            categories=counts)

    def checkpoint(self) -> None:
        """Fold the WAL into the main file so the file alone is the whole library.

        Readers in the middle of a read hold it back; then it is left for the
        last connection to close, rather than making a sync wait for Datasette.
        """
        self.db.execute("PRAGMA busy_timeout = 100")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def refresh_papers(self) -> None:
        """Rebuild the `papers` table from works and entries (newest first, then by key)."""
        refresh_papers(self.db)

    def close(self) -> None:
        """Leave the file in rollback-journal mode: one file, readable from a read-only folder."""
        if not self.readonly and self.db.conn.total_changes:  # rows changed: papers follows
            self.refresh_papers()
        if not self.readonly and self.db.journal_mode == "wal":
            self.checkpoint()
            self.db.execute(f"PRAGMA busy_timeout = {int(LEAVE_WAL_WAIT * 1000)}")
            # A reader (Datasette) may hold it open: then it stays WAL until the next close.
            with contextlib.suppress(sqlite3.OperationalError):
                self._switch_journal("delete")
        self.db.close()


def schema_version(path: Path) -> int:
    """The schema version of the library file at `path`, read without any chance of a write.

    Raises sqlite3.Error when the file is no SQLite database.
    """
    uri = f"file:{quote(str(path.resolve()))}?immutable=1"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        conn.execute("SELECT 1 FROM sqlite_master").fetchall()
    return version


def read_only_uri(path: Path) -> str:
    """A URI that reads without writing: -wal/-shm are never created beside the file.

    A library left in WAL mode with no -wal file (no writer has it open) is
    read as immutable, which needs no -shm, so it reads in a read-only folder too.
    """
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        with open(path, "rb") as handle:
            header = handle.read(20)
    except OSError:
        return uri
    wal = header.startswith(b"SQLite format 3\x00") and header[18:20] == b"\x02\x02"
    if wal and not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    return uri
