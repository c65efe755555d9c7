"""A long list's rows are indexed in one statement (rsbib.store.bulk): the index ends as the trigger's would."""

import sqlite3

from bench import synthetic
from rsbib.store import bulk
from tests.conftest import run

ROWS = 1200  # above bulk.LARGE_BATCH: the index is filled in one statement


def _index(db):
    """Every (term, row, column, offset) the entries index holds, the rows' sizes, the triggers."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("INSERT INTO entries_fts(entries_fts) VALUES('integrity-check')")
        conn.execute("CREATE VIRTUAL TABLE temp.words USING fts5vocab(main, entries_fts, 'instance')")
        return {
            "instances": conn.execute("SELECT * FROM temp.words ORDER BY 1, 2, 3, 4").fetchall(),
            "sizes": conn.execute("SELECT * FROM entries_fts_docsize ORDER BY id").fetchall(),
            "triggers": conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                     "ORDER BY name").fetchall(),
        }
    finally:
        conn.close()


def _found(db, *query):
    result = run("search", "--db", str(db), *query, "--format", "keys")
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout.split()


def _sync(source, db):
    result = run("sync", "--offline", "--source", str(source), "--db", str(db))
    assert result.exit_code == 0, result.stderr


def test_bulk_index_is_the_triggers_index(tmp_path, monkeypatch):
    text, _ = synthetic.make(ROWS)
    source = tmp_path / "list.md"
    source.write_text(text, encoding="utf-8")
    bulk_db, trigger_db = tmp_path / "bulk.db", tmp_path / "trigger.db"
    _sync(source, bulk_db)
    monkeypatch.setattr(bulk, "LARGE_BATCH", ROWS * 10)  # the trigger path, row by row
    _sync(source, trigger_db)
    monkeypatch.undo()
    made, expected = _index(bulk_db), _index(trigger_db)
    assert len(expected["instances"]) > ROWS * 9  # every title's words, abbreviations, labels
    assert made == expected
    words = ["model", "S17", "Arxiv2022", "TGRS2021", "satellite"]
    for word in words:
        assert _found(bulk_db, word) == _found(trigger_db, word)
    assert len(_found(bulk_db, "S17")) == 1 and len(_found(bulk_db, "model")) > 50

    # The trigger is back: rows the list adds later are indexed one at a time, as before.
    edited = text.replace("|**S3**|**", "|**Zyxwvu**|**Brandnewword ")
    source.write_text(edited + "|**S99999**|**Qwertyuiop paper**|CVPR2024|[x](https://example.org/q)|null|\n",
                      encoding="utf-8")
    _sync(source, bulk_db)
    _sync(source, trigger_db)
    assert _index(bulk_db) == _index(trigger_db)
    for word in ("qwertyuiop", "zyxwvu", "brandnewword"):
        assert len(_found(bulk_db, word)) == 1
