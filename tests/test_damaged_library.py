"""Issue 11, finding 5: a damaged, locked or foreign library file is one line naming it, never a traceback."""

import os
import sqlite3

import pytest

from rsbib.store.guard import describe
from tests.conftest import run


def damage_middle_pages(path):
    """Overwrite with noise every page of the rows and works tables (the middle of the file)."""
    conn = sqlite3.connect(path)
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = [p for (p,) in conn.execute(
        "SELECT pageno FROM dbstat WHERE name IN ('entries', 'works') AND pageno > 1")]
    conn.close()
    assert len(pages) > 5
    with open(path, "r+b") as db:
        for page in pages:
            db.seek((page - 1) * size)
            db.write(os.urandom(size))


def one_line(result, *words):
    errors = [line for line in result.stderr.splitlines() if not line.startswith("warning:")]
    assert result.exit_code == 2, result.output
    assert len(errors) == 1, result.stderr
    assert all(w in errors[0] for w in words), errors[0]
    return errors[0]


COMMANDS = [["status"], ["status", "--json"], ["export"], ["export", "--format", "csl-json"],
            ["check"], ["pin", "--list"], ["pin", "34", "--not-a-paper"], ["rekey", "--yes"],
            ["sync", "--offline"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_on_damaged_pages_is_one_line(library_copy, tmp_path, command):
    assert run("pin", "23", "--set", "title=Kept", "--db", str(library_copy)).exit_code == 0
    damage_middle_pages(library_copy)
    line = one_line(run(*command, "--db", str(library_copy)), str(library_copy), "damaged",
                    "restore", "rsbib sync --db NEW.db")
    assert "malformed" in line


def test_a_damaged_export_writes_no_file(library_copy, tmp_path):
    damage_middle_pages(library_copy)
    target = tmp_path / "refs.bib"
    one_line(run("export", "--db", str(library_copy), "-o", str(target)), "damaged")
    assert not target.exists()


def test_a_library_locked_longer_than_the_timeout(library_copy, monkeypatch):
    monkeypatch.setenv("RSBIB_LOCK_TIMEOUT", "0.2")
    holder = sqlite3.connect(library_copy, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer (a sync) in the middle of a batch
    try:
        one_line(run("pin", "34", "--not-a-paper", "--db", str(library_copy)),
                 str(library_copy), "locked", "0.2 s", "RSBIB_LOCK_TIMEOUT")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    listed = run("pin", "--list", "--db", str(library_copy))
    assert listed.stdout == "" and listed.stderr.startswith("0 corrections in ")  # nothing was stored


def test_a_file_that_is_not_a_database(tmp_path):
    fake = tmp_path / "library.db"
    fake.write_bytes(os.urandom(8192))
    one_line(run("status", "--db", str(fake)), str(fake), "not an SQLite database", "--db")


@pytest.mark.parametrize("message, words", [
    ("attempt to write a readonly database", ["cannot be written", "writable"]),
    ("database is locked", ["locked", "retry"]),
    ("unable to open database file", ["cannot open", "permissions"]),
    ("disk I/O error", ["disk", "free space"]),
])
def test_each_sqlite_failure_says_the_way_out(message, words):
    line = describe("lib.db", sqlite3.OperationalError(message))
    assert line.startswith("lib.db: ") and message in line
    assert all(w in line for w in words), line
