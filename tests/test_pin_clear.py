"""`rsbib pin --clear` never costs what the library knew; `--set authors` takes only names it can write."""

import gzip
import socket
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import run
from tests.standin.corpus import CrossrefWork
from tests.test_corrections import GECO_DOI, pin, row

SOURCE_AUTHORS = ("Liu, Fan and Chen, Delong and Guan, Zhangqingyun and Zhou, Xiaocong and "
                  "Zhu, Jiale and Ye, Qiaolin and Fu, Liyong and Zhou, Jun")


def authors(db, key):
    conn = sqlite3.connect(db)
    work_id, joined = conn.execute("SELECT id, authors FROM works WHERE citekey = ?", [key]).fetchone()
    names = [r[0] for r in conn.execute(
        "SELECT a.name FROM work_authors w JOIN authors a ON a.id = w.author_id "
        "WHERE w.work_id = ? ORDER BY w.position", [work_id])]
    return joined, names


def export(db, *args):
    result = run("export", "--db", str(db), *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_clearing_a_pinned_field_gives_back_the_sources_value_offline(library_copy):
    before, whole = row(library_copy, 67), export(library_copy)
    assert authors(library_copy, "liu2024remoteclip")[0] == SOURCE_AUTHORS
    stored = pin(library_copy, "liu2024remoteclip", "--set", "authors=Liu, Fan and others")
    assert f"(replacing authors = {SOURCE_AUTHORS})" in stored.stderr  # what the pin replaced
    assert authors(library_copy, "liu2024remoteclip") == ("Liu, Fan and others", ["Liu, Fan"])
    cleared = pin(library_copy, "liu2024remoteclip", "--clear")
    assert cleared.stderr.strip() == "1 correction removed from line 67"
    assert row(library_copy, 67) == before  # resolved, the same work, its key, nothing corrected
    assert authors(library_copy, "liu2024remoteclip") == (SOURCE_AUTHORS, SOURCE_AUTHORS.split(" and "))
    assert "Zhou, Jun" in export(library_copy, "--keys", "liu2024remoteclip")
    assert export(library_copy) == whole
    assert run("sync", "--offline", "--db", str(library_copy)).exit_code == 0
    assert row(library_copy, 67) == before


def test_fields_pinned_twice_and_refreshed_come_back_as_the_sources_give_them(api, library_copy):
    before, whole = row(library_copy, 67), export(library_copy)
    pin(library_copy, "67", "--set", "title=Wrong", "--set", "year=2020", "--set", "citekey=remote")
    again = pin(library_copy, "67", "--set", "title=Wrong again")
    assert "(replacing title = Wrong)" in again.stderr
    assert run("sync", "--refresh", "--db", str(library_copy)).exit_code == 0
    assert (row(library_copy, 67)["title"], row(library_copy, 67)["citekey"]) == ("Wrong again", "remote")
    cleared = pin(library_copy, "67", "--clear")
    assert cleared.stderr.strip() == "3 corrections removed from line 67"
    assert row(library_copy, 67) == before
    assert export(library_copy) == whole


def _services_down(api, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    for name in api.env:
        if name.endswith("_URL"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{closed}")


def test_clearing_a_binding_keeps_the_paper_until_the_row_is_asked_again(api, library_copy, monkeypatch):
    api.corpus.crossref[GECO_DOI] = CrossrefWork(
        doi=GECO_DOI, title="Geographical Supervision Correction for Remote Sensing Representation Learning",
        authors=[("Wanxuan", "Lu")], year=2022, type="journal-article",
        container="IEEE Transactions on Geoscience and Remote Sensing", synthetic=True)
    try:
        pin(library_copy, "23", "--doi", GECO_DOI)
        assert run("sync", "--db", str(library_copy)).exit_code == 0
        bound = row(library_copy, 23)
        assert bound["doi"] == GECO_DOI
        cleared = pin(library_copy, "23", "--clear")
        assert cleared.stderr.strip() == ("1 correction removed from line 23; "
                                          "run `rsbib sync` to ask again")
        kept = row(library_copy, 23)
        assert (kept["status"], kept["work"], kept["citekey"]) == ("pending", bound["work"], bound["citekey"])
        assert "Geographical Supervision" in export(library_copy, "--keys", bound["citekey"])
        assert run("sync", "--offline", "--db", str(library_copy)).exit_code == 0
        assert row(library_copy, 23)["work"] == bound["work"]
        with monkeypatch.context() as down:
            _services_down(api, down)
            run("sync", "--db", str(library_copy))
        failed = row(library_copy, 23)  # a failed look-up costs nothing
        assert failed["work"] == bound["work"] and "a later look-up failed" in failed["note"], failed
        assert run("sync", "--db", str(library_copy)).exit_code == 0
        asked = row(library_copy, 23)  # by its title now: the stand-in holds that paper
        assert (asked["status"], asked["method"]) == ("resolved", "crossref-title"), asked
    finally:
        del api.corpus.crossref[GECO_DOI]


def test_clearing_not_a_paper_asks_again(api, library_copy):
    pin(library_copy, "45", "--not-a-paper")
    cleared = pin(library_copy, "45", "--clear")
    assert "run `rsbib sync` to ask again" in cleared.stderr
    assert row(library_copy, 45)["status"] == "pending"
    assert run("sync", "--db", str(library_copy)).exit_code == 0
    assert row(library_copy, 45)["status"] != "not-a-paper"


def test_a_field_pinned_before_the_sources_value_was_kept_says_how_to_get_it_back(tmp_path):
    """tests/data/library-schema7.db.gz: the shipped schema-7 library, then (rsbib at 0585034)
    `rsbib pin liu2024remoteclip --set authors="Liu, Fan and others"`."""
    db = tmp_path / "schema7.db"
    db.write_bytes(gzip.decompress((Path(__file__).parent / "data" / "library-schema7.db.gz").read_bytes()))
    assert run("sync", "--offline", "--db", str(db)).exit_code == 0  # migrated
    assert authors(db, "liu2024remoteclip")[0] == "Liu, Fan and others"  # still pinned
    cleared = pin(db, "liu2024remoteclip", "--clear")
    assert cleared.stderr.strip().splitlines() == [
        "1 correction removed from line 67",
        "line 67: authors kept as pinned: the sources' value was not kept (pinned by an older "
        "rsbib); `rsbib sync --refresh` asks again"]
    assert row(db, 67)["status"] == "resolved" and row(db, 67)["corrected"] is None


@pytest.mark.parametrize("value,words", [
    ("and others", "authors names no one: write 'Family, Given and others'"),
    ("others", "authors names no one: write 'Family, Given and others'"),
    ("et al.", "authors names no one: write 'Family, Given and others'"),
    ("Fu, K. et al.", "'et al.' inside a name: end the list with ' and others'"),
    ("Fu, K. and Li, W. et al", "'et al.' inside a name: end the list with ' and others'"),
    ("Fu, K.; Li, W.", "';' between names: separate authors with ' and '"),
    ("Fu, K. and and others", "an empty name between 'and's"),
    ("and Fu, K.", "an empty name between 'and's"),
    ("Fu, K. and", "an empty name between 'and's"),
    ("others and Fu, K.", "'others' stands for the authors not named: put it last"),
])
def test_authors_that_cannot_be_written_are_refused(library_copy, value, words):
    result = run("pin", "67", "--set", f"authors={value}", "--db", str(library_copy))
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == f"rsbib: line 67: nothing stored: {words}"
    assert sqlite3.connect(library_copy).execute("SELECT count(*) FROM corrections").fetchone() == (0,)


def test_authors_are_stored_in_the_one_form(library_copy):
    stored = pin(library_copy, "67", "--set", "authors=Fu,  K. and Li, W. and et al.")
    assert "stored authors = Fu, K. and Li, W. and others" in stored.stderr
    assert authors(library_copy, "liu2024remoteclip") == ("Fu, K. and Li, W. and others", ["Fu, K.", "Li, W."])
