"""The library.db shipped at the repository root: sound, complete, and what the code builds today."""

import sqlite3

from tests.conftest import ROOT

SHIPPED = ROOT / "library.db"


def snapshot(db) -> dict:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    return {
        "entries": conn.execute(
            "SELECT e.row_key, e.category, e.line, e.status, coalesce(w.citekey, e.citekey) "
            "FROM entries e LEFT JOIN works w ON w.id = e.work_id ORDER BY e.row_key").fetchall(),
        "works": conn.execute(
            "SELECT citekey, doi, arxiv_id, title, authors, year, venue, type, volume, issue, pages "
            "FROM works ORDER BY citekey").fetchall(),
        "authors": conn.execute(
            "SELECT w.citekey, wa.position, a.name FROM work_authors wa JOIN works w ON w.id = wa.work_id "
            "JOIN authors a ON a.id = wa.author_id ORDER BY 1, 2").fetchall(),
    }


def test_shipped_library_is_what_a_sync_builds_today(synced_db):
    assert snapshot(SHIPPED) == snapshot(synced_db), \
        "library.db is stale: rebuild it with `python -m tests.standin --build library.db`"


def test_shipped_library_is_sound():
    conn = sqlite3.connect(f"file:{SHIPPED}?mode=ro", uri=True)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    # Checkpointed and shipped in rollback mode: the one file is the whole library.
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] == 93
    for column in ("doi", "arxiv_id", "citekey"):
        assert conn.execute(f"SELECT count({column}), count(DISTINCT lower({column})) FROM works"
                            ).fetchone()[0] == conn.execute(
            f"SELECT count(DISTINCT lower({column})) FROM works").fetchone()[0]
    skysense = conn.execute("SELECT DISTINCT w.citekey FROM entries e JOIN works w ON w.id = e.work_id "
                            "WHERE e.abbreviation = 'SkySense'").fetchall()
    assert skysense == [("guo2023skysense",)]
    [run] = conn.execute("SELECT source, url, exit_code FROM sync_runs JOIN run_services "
                         "ON run_id = id AND service = 'arxiv'").fetchall()
    assert run[0] == "awesome-rsfm-2024-02-27.md" and run[2] == 0
    assert run[1].startswith("http://127.0.0.1:")  # built against the local stand-in, and says so
