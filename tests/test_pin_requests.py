"""Issue 11, finding 7: `pin` stores every correction asked, or none, and says exactly what it stored."""

import json
import re
import sqlite3

import pytest

from tests.conftest import run


def stored(db):
    return sorted(sqlite3.connect(db).execute(
        "SELECT c.line, c.field, c.value FROM corrections c ORDER BY c.line, c.field").fetchall())


def pin(db, *args):
    result = run("pin", *args, "--db", str(db))
    assert result.exit_code == 0, result.output
    return result.stderr


def test_a_doi_and_an_arxiv_id_are_both_stored_and_named(library_copy):
    message = pin(library_copy, "23", "--doi", "10.5555/geco.2022", "--arxiv", "2306.11029")
    assert stored(library_copy) == [(23, "arxiv_id", "2306.11029"), (23, "doi", "10.5555/geco.2022")]
    assert "stored doi = 10.5555/geco.2022, arxiv_id = 2306.11029" in message
    message = pin(library_copy, "23", "--doi", "10.5555/geco.2023")
    assert stored(library_copy) == [(23, "doi", "10.5555/geco.2023")]
    assert "replacing arxiv_id = 2306.11029, doi = 10.5555/geco.2022" in message


@pytest.mark.parametrize("args, words", [
    (["34", "--set", "title=Fine", "--set", "year=soon"], "year must be a number"),
    (["34", "--doi", "10.5555/x", "--not-a-paper"], "both a paper"),
    (["34", "--set", "title=A", "--set", "title=B"], "title given more than once"),
    (["34", "--doi", "10.5555/x", "--set", "doi=10.5555/y"], "doi given more than once"),
    (["34", "--set", "title=Fine", "--set", "url=ftp://x"], "url must start with http"),
])
def test_a_request_with_one_bad_correction_stores_nothing(library_copy, args, words):
    result = run("pin", *args, "--db", str(library_copy))
    assert result.exit_code == 2 and "nothing stored" in result.stderr and words in result.stderr
    assert stored(library_copy) == []


def test_an_unresolved_row_completed_by_hand_is_exported_so(api, library_copy):
    db = str(library_copy)
    message = pin(library_copy, "33", "--set", "title=RingMo-Sense: Completed by Hand",
                  "--set", "authors=Yao, Fanglong and Lu, Wanxuan", "--set", "year=2023",
                  "--set", "type=journal-article", "--set", "venue=A Journal",
                  "--set", "doi=10.5555/ringmo.sense")
    assert "stored title = RingMo-Sense: Completed by Hand, authors = Yao, Fanglong and Lu, " \
           "Wanxuan, year = 2023, type = journal-article, venue = A Journal, doi = " \
           "10.5555/ringmo.sense" in message
    assert run("sync", "--offline", "--db", db).exit_code in (0, 1)  # a later sync keeps them
    bib = run("export", "--db", db, "-c", "vision").stdout
    entry = bib[bib.index("{ringmosense2023,"):].split("\n}\n")[0]
    for field in ("author = {Yao, Fanglong and Lu, Wanxuan}", "journal = {A Journal}",
                  "year = {2023}", "doi = {10.5555/ringmo.sense}", "{RingMo}-{Sense}: Completed"):
        assert field in entry, entry
    assert bib[:bib.index("{ringmosense2023,")].endswith("@article")
    csl = {i["id"]: i for i in json.loads(run("export", "--db", db, "--format", "csl-json").stdout)}
    assert re.sub(r"<[^>]+>", "", csl["ringmosense2023"]["title"]) == "RingMo-Sense: Completed by Hand"
    assert csl["ringmosense2023"]["author"][1] == {"family": "Lu", "given": "Wanxuan"}


def test_a_row_with_no_correction_still_exports_as_unverified(library_copy):
    bib = run("export", "--db", str(library_copy), "-c", "vision").stdout
    entry = bib[bib.index("{ringmosense2023,"):].split("\n}\n")[0]
    assert "rsbib-unverified" in entry and bib[:bib.index("{ringmosense2023,")].endswith("@misc")


def test_an_empty_category_is_refused_as_empty(synced_db):
    result = run("export", "--db", str(synced_db), "-c", "")
    assert result.exit_code == 2 and "is empty" in result.stderr and result.stdout == ""
