"""library.db: schema, integrity, one work per paper, keys that never move, atomic batches."""

import sqlite3

import pytest

from rsbib.metadata import citekeys
from rsbib.metadata.records import Author, WorkRecord
from rsbib.store.library import SCHEMA_VERSION, Library, LibraryError, Outcome
from tests.conftest import run


def keys(db) -> dict:
    conn = sqlite3.connect(db)
    return dict(conn.execute(
        "SELECT e.row_key, coalesce(w.citekey, e.citekey) FROM entries e "
        "LEFT JOIN works w ON w.id = e.work_id"))


def test_schema_integrity_and_unique_identifiers(synced_db):
    conn = sqlite3.connect(synced_db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    unique = {r[1]: r[2] for r in conn.execute("PRAGMA index_list(works)")}
    for column in ("doi", "arxiv_id", "citekey"):
        assert unique[f"idx_works_{column}"] == 1
        dupes = conn.execute(f"SELECT {column} FROM works WHERE {column} IS NOT NULL "
                             f"GROUP BY lower({column}) HAVING count(*) > 1").fetchall()
        assert dupes == []
    assert not conn.execute("SELECT 1 FROM works WHERE doi LIKE '10.48550/%'").fetchall()
    fks = {(r[2], r[3]) for r in conn.execute("PRAGMA foreign_key_list(entries)")}
    assert ("works", "work_id") in fks and ("categories", "category") in fks


def test_foreign_keys_are_enforced(library_copy):
    library = Library(library_copy)
    with pytest.raises(sqlite3.IntegrityError):
        library.db["entries"].update(1, {"work_id": 999999})
    library.close()


def test_authors_are_ordered(synced_db):
    conn = sqlite3.connect(synced_db)
    names = [r[0] for r in conn.execute(
        "SELECT a.name FROM work_authors wa JOIN authors a ON a.id = wa.author_id "
        "JOIN works w ON w.id = wa.work_id WHERE w.arxiv_id = '2312.10115' ORDER BY wa.position")]
    assert names[:3] == ["Guo, Xin", "Lao, Jiangwei", "Dang, Bo"] and len(names) == 16


def test_keys_follow_the_promised_format(synced_db):
    conn = sqlite3.connect(synced_db)
    by_arxiv = dict(conn.execute("SELECT arxiv_id, citekey FROM works WHERE arxiv_id IS NOT NULL"))
    by_doi = dict(conn.execute("SELECT doi, citekey FROM works WHERE doi IS NOT NULL"))
    assert by_arxiv["2312.10115"] == "guo2023skysense"  # pinned by the list's cite block
    assert by_doi["10.1109/iccv48922.2021.00928"] == "manas2021seasonal"  # Mañas folded to ASCII
    assert by_arxiv["2306.11029"] == "liu2024remoteclip"
    all_keys = [r[0] for r in conn.execute(
        "SELECT citekey FROM works UNION ALL SELECT citekey FROM entries WHERE work_id IS NULL")]
    assert all(citekeys.is_valid_key(k) and k == k.lower() for k in all_keys)
    assert len({k.casefold() for k in all_keys}) == len(all_keys)


def test_the_two_skysense_rows_are_one_work(synced_db):
    conn = sqlite3.connect(synced_db)
    works = conn.execute("SELECT DISTINCT w.citekey FROM entries e JOIN works w ON w.id = e.work_id "
                         "WHERE e.abbreviation = 'SkySense'").fetchall()
    assert works == [("guo2023skysense",)]


def test_keys_survive_sync_refresh_and_new_metadata(api, library_copy):
    before = keys(library_copy)
    assert run("sync", "--db", str(library_copy)).exit_code == 0
    assert keys(library_copy) == before
    assert run("sync", "--refresh", "--db", str(library_copy)).exit_code == 0
    assert keys(library_copy) == before
    conn = sqlite3.connect(library_copy)
    titles = dict(conn.execute("SELECT citekey, title FROM works"))
    assert titles["liu2024remoteclip"].startswith("RemoteCLIP")


def test_only_rekey_changes_keys(api, library_copy):
    conn = sqlite3.connect(library_copy)
    conn.execute("UPDATE works SET citekey = 'old2020key' WHERE arxiv_id = '2306.11029'")
    conn.execute("UPDATE works SET citekey = 'userkey' , key_source = 'user' WHERE arxiv_id = '2311.15826'")
    conn.commit()
    run("sync", "--refresh", "--db", str(library_copy))
    assert "old2020key" in keys(library_copy).values()
    before = library_copy.read_bytes()
    dry = run("rekey", "--dry-run", "--db", str(library_copy))
    assert dry.exit_code == 0 and dry.stdout == "old2020key -> liu2024remoteclip\n"
    assert "1 keys would change" in dry.stderr and library_copy.read_bytes() == before
    result = run("rekey", "--yes", "--db", str(library_copy))
    assert result.exit_code == 0 and result.stdout == "old2020key -> liu2024remoteclip\n"
    assert "1 keys changed" in result.stderr
    after = set(keys(library_copy).values())
    assert "liu2024remoteclip" in after and "guo2023skysense" in after and "userkey" in after


def test_clash_suffixes():
    assert citekeys.unique_key("li2024one", []) == "li2024one"
    assert citekeys.unique_key("li2024one", ["Li2024One"]) == "li2024onea"
    assert citekeys.unique_key("li2024one", ["li2024one", "li2024onea"]) == "li2024oneb"
    taken = ["k"] + [f"k{c}" for c in "abcdefghijklmnopqrstuvwxyz"]
    assert citekeys.unique_key("k", taken) == "kaa"
    assert citekeys.base_key("Mañas", 2021, "Seasonal Contrast") == "manas2021seasonal"
    assert citekeys.base_key(None, None, "On the Promises of Models") == "anonpromises"


def test_a_failed_batch_leaves_the_library_as_it_was(library_copy, monkeypatch):
    library = Library(library_copy)
    run_id = library.runs.start(source="test")
    before = library.db.execute("SELECT count(*), max(id) FROM works").fetchone()
    entries_before = list(library.db.query("SELECT id, work_id, status FROM entries"))
    good = Outcome(1, "resolved", WorkRecord(title="New paper", doi="10.1000/new",
                                             authors=[Author("Ng", "A")]), "doi", 100.0)
    calls = []

    def boom(record, run, known=None):
        calls.append(record)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return original(record, run, known)

    original = library.works.upsert
    monkeypatch.setattr(library.works, "upsert", boom)
    with pytest.raises(RuntimeError):
        library.outcomes.save([good, good], run_id)
    assert library.db.execute("SELECT count(*), max(id) FROM works").fetchone() == before
    assert list(library.db.query("SELECT id, work_id, status FROM entries")) == entries_before
    library.close()


def test_a_preprint_work_and_a_published_work_merge_when_linked(tmp_path):
    library = Library(tmp_path / "m.db")
    run("sync", "--offline", "--db", str(tmp_path / "m.db"))
    run_id = library.runs.start(source="test")
    preprint = WorkRecord(title="X", arxiv_id="2401.00001", authors=[Author("Ng", "A")], year=2024)
    published = WorkRecord(title="X", doi="10.1000/x", authors=[Author("Ng", "A")], year=2025,
                           type="journal-article")
    library.outcomes.save([Outcome(1, "resolved", preprint), Outcome(2, "resolved", published)], run_id)
    first_key = library.db.execute("SELECT citekey FROM works WHERE arxiv_id = '2401.00001'").fetchone()[0]
    both = published.with_changes(arxiv_id="2401.00001")
    library.outcomes.save([Outcome(3, "resolved", both)], run_id)
    works = list(library.db.query("SELECT id, doi, arxiv_id, citekey FROM works"))
    assert len(works) == 1 and works[0]["doi"] == "10.1000/x" and works[0]["arxiv_id"] == "2401.00001"
    assert works[0]["citekey"] == first_key  # the older key is kept
    pointing = {r[0] for r in library.db.execute("SELECT work_id FROM entries WHERE id IN (1, 2, 3)")}
    assert pointing == {works[0]["id"]}
    library.close()


def test_a_file_that_is_not_a_library_is_refused(tmp_path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(LibraryError):
        Library(other)
    result = run("status", "--db", str(other))
    assert result.exit_code == 2 and "not an rsbib library" in result.stderr


def test_wal_is_checkpointed_on_close(library_copy):
    run("status", "--db", str(library_copy))
    wal = library_copy.with_name(library_copy.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def downgrade_to_schema_2(conn) -> None:
    """What a library made by schema 2 holds: no list history, no `listed` marks."""
    conn.execute("DROP TABLE list_versions")
    conn.execute("DROP INDEX idx_entries_listed")
    conn.execute("ALTER TABLE entries DROP COLUMN listed")
    conn.execute("ALTER TABLE entries DROP COLUMN unlisted_run")
    conn.execute("PRAGMA user_version = 2")


def test_an_older_library_is_upgraded_in_place(library_copy):
    conn = sqlite3.connect(library_copy)
    downgrade_to_schema_2(conn)
    conn.execute("DROP TABLE corrections")
    conn.execute("ALTER TABLE works DROP COLUMN corrected")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    assert run("status", "--db", str(library_copy)).exit_code == 2  # read-only: asks for a sync
    library = Library(library_copy)  # what a sync does first
    assert library.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert "corrections" in library.db.table_names() and "corrected" in library.db["works"].columns_dict
    assert library.db["entries"].count == 93  # nothing lost on the way
    library.close()


def test_a_schema_2_library_gets_history_and_listed_marks(library_copy):
    conn = sqlite3.connect(library_copy)
    keys_before = keys(library_copy)
    downgrade_to_schema_2(conn)
    conn.commit()
    conn.close()
    library = Library(library_copy)
    assert library.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert library.db.execute("SELECT count(*) FROM entries WHERE listed = 1").fetchone()[0] == 93
    [version] = library.db.query("SELECT run_id, row_count FROM list_versions")
    assert version == {"run_id": 1, "row_count": 93}  # the list it held is the first version
    library.close()
    assert keys(library_copy) == keys_before
    assert run("changes", "--db", str(library_copy)).exit_code == 0


def test_rekey_regenerates_keys_whatever_their_recorded_origin(library_copy):
    conn = sqlite3.connect(library_copy)
    conn.execute("UPDATE works SET citekey = 'old2020key', key_source = NULL "
                 "WHERE arxiv_id = '2306.11029'")
    conn.commit()
    conn.close()
    assert run("rekey", "--yes", "--db", str(library_copy)).exit_code == 0
    assert "liu2024remoteclip" in keys(library_copy).values()
