"""Libraries of every earlier schema migrate: the fixtures were built by rsbib itself at each version.

tests/data/library-schemaN.db.gz: `python -m tests.standin --build` run from the last commit of
schema N (1: 041334f, 2: as shipped then, 3: c3211c4, 4: b7b6bcc, 5: f4ca34f, the shipped library,
6: f1cf4c1, 7: the shipped library at 0585034 with one field pinned by hand, see
tests/test_pin_clear.py); for 1, 3, 4 and 6 followed by an offline sync of the list with one title edited, so each
holds a row no service was asked about (in 1, 3 and 4 stored the old way: `unresolved` with no
`resolved_run`).
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import pytest

from rsbib.store.library import SCHEMA_VERSION, Library
from tests.conftest import run

DATA = Path(__file__).parent / "data"
OLD_SCHEMAS = [1, 2, 3, 4, 5, 6, 7]


def fixture(version: int, tmp_path: Path) -> Path:
    db = tmp_path / f"schema{version}.db"
    db.write_bytes(gzip.decompress((DATA / f"library-schema{version}.db.gz").read_bytes()))
    return db


def shape(db: Path) -> dict[str, list[str]]:
    """Every table and its columns, in order."""
    conn = sqlite3.connect(db)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    found = {t: [c[1] for c in conn.execute(f"PRAGMA table_info([{t}])")] for t in tables}
    conn.close()
    return found


def figures(db: Path) -> dict[str, object]:
    conn = sqlite3.connect(db)
    found = {
        "version": conn.execute("PRAGMA user_version").fetchone()[0],
        "statuses": dict(conn.execute("SELECT status, count(*) FROM entries GROUP BY status")),
        "old_pending": conn.execute("SELECT count(*) FROM entries WHERE status = 'unresolved' "
                                    "AND resolved_run IS NULL").fetchone()[0],
        "keys": conn.execute("SELECT id, citekey, doi, arxiv_id FROM works ORDER BY id").fetchall(),
    }
    conn.close()
    return found


@pytest.mark.parametrize("version", OLD_SCHEMAS)
def test_a_library_of_an_earlier_schema_migrates_to_the_current_one(version, tmp_path):
    db = fixture(version, tmp_path)
    before = figures(db)
    assert before["version"] == version < SCHEMA_VERSION
    Library(db).close()
    after = figures(db)
    assert after["version"] == SCHEMA_VERSION
    assert after["keys"] == before["keys"]  # works, keys and ids kept as they were
    # `pending` is stored one way: the rows never asked about say so, the others are untouched
    expected = dict(before["statuses"])
    if before["old_pending"]:
        expected["unresolved"] -= before["old_pending"]
        expected["pending"] = expected.get("pending", 0) + before["old_pending"]
    assert after["statuses"] == {s: n for s, n in expected.items() if n}
    assert after["old_pending"] == 0
    fresh = tmp_path / "fresh.db"
    Library(fresh).close()
    assert shape(db) == shape(fresh)  # answer_cache and about too, as a new library has them


@pytest.mark.parametrize("version", OLD_SCHEMAS)
def test_a_migrated_library_serves_status_export_and_sync(version, tmp_path):
    db = fixture(version, tmp_path)
    assert run("status", "--db", str(db)).exit_code == 2  # read-only: an older library is refused
    assert run("sync", "--offline", "--db", str(db)).exit_code == 0  # the ladder runs
    status = run("status", "--json", "--db", str(db))
    assert status.exit_code == 0, status.stderr
    counts = json.loads(status.stdout)
    assert counts["rows"] == 93 and counts["totals"]["resolved"] >= 84
    # The list synced now is the original: its row edited in the fixture comes back; schema 1 had
    # deleted it (no rows kept as no longer listed then), so it is new and not looked up offline.
    assert counts["totals"]["pending"] == (1 if version == 1 else 0)
    export = run("export", "--db", str(db))
    assert export.exit_code == 0 and export.stdout.count("\n@") + export.stdout.startswith("@") >= 75


def test_the_shipped_library_says_what_it_was_built_from_through_the_schema(tmp_path):
    """`about` is part of the schema: a library built by any sync has it, the shipped one fills it."""
    fresh = tmp_path / "new.db"
    Library(fresh).close()
    assert Library(fresh, readonly=True).about.read() == {}
    shipped = Library(Path(__file__).parent.parent / "library.db", readonly=True)
    assert shipped.about.read()["built_from"]
