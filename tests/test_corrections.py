"""Corrections by hand (rsbib pin) survive every later sync, --refresh included."""

import json
import sqlite3

import pytest

from tests.conftest import run
from tests.standin.corpus import CrossrefWork

GECO_DOI = "10.1109/tgrs.2022.3202066"  # synthetic record added to the stand-in for these tests


def row(db, line):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    return dict(conn.execute(
        "SELECT e.status, e.method, e.note, w.id AS work, w.doi, w.title, w.citekey, w.year, "
        "w.corrected, w.key_source FROM entries e LEFT JOIN works w ON w.id = e.work_id "
        "WHERE e.line = ?", [line]).fetchone())


def pin(db, *args):
    result = run("pin", *args, "--db", str(db))
    assert result.exit_code == 0, result.output
    return result


def test_bind_a_row_to_a_doi(api, library_copy):
    api.corpus.crossref[GECO_DOI] = CrossrefWork(
        doi=GECO_DOI, title="Geographical Supervision Correction for Remote Sensing Representation Learning",
        authors=[("Wanxuan", "Lu")], year=2022, type="journal-article",
        container="IEEE Transactions on Geoscience and Remote Sensing", synthetic=True)
    try:
        assert row(library_copy, 23)["status"] == "unresolved"
        result = pin(library_copy, "23", "--doi", "https://doi.org/10.1109/TGRS.2022.3202066")
        assert "run `rsbib sync` to fetch the paper" in result.stderr
        assert run("sync", "--db", str(library_copy)).exit_code == 0
        geco = row(library_copy, 23)
        assert (geco["status"], geco["method"], geco["doi"]) == ("resolved", "pinned+doi", GECO_DOI)
        assert run("sync", "--refresh", "--db", str(library_copy)).exit_code == 0
        assert row(library_copy, 23)["doi"] == GECO_DOI
    finally:
        del api.corpus.crossref[GECO_DOI]


def test_mark_not_a_paper_is_kept_and_never_looked_up(api, library_copy):
    pin(library_copy, "45", "--not-a-paper")  # XGeo
    assert row(library_copy, 45)["status"] == "not-a-paper"
    assert run("sync", "--refresh", "--db", str(library_copy)).exit_code == 0
    assert row(library_copy, 45)["status"] == "not-a-paper"
    searched = " ".join(h.path for h in api.hits)
    assert "Multisensory" not in searched


def test_fixed_fields_survive_refresh_and_show_in_the_library(api, library_copy):
    pin(library_copy, "liu2024remoteclip", "--set", "title=RemoteCLIP (corrected)", "--set", "year=2023")
    fixed = row(library_copy, 67)
    assert (fixed["title"], fixed["year"]) == ("RemoteCLIP (corrected)", 2023)
    assert json.loads(fixed["corrected"]) == ["title", "year"]
    assert run("sync", "--refresh", "--db", str(library_copy)).exit_code == 0
    assert api.counts()["crossref"] > 0  # it really asked again
    fixed = row(library_copy, 67)
    assert (fixed["title"], fixed["year"]) == ("RemoteCLIP (corrected)", 2023)
    export = run("export", "--db", str(library_copy), "-c", "vision-language").stdout
    assert "title = {{RemoteCLIP} (corrected)}" in export
    from tests.test_datasette import rows as datasette_rows

    facets = datasette_rows(library_copy, "/library/works.json?_facet=corrected&_size=0")
    assert [f["value"] for f in facets["facet_results"]["corrected"]["results"]] == ['["title", "year"]']


def test_a_key_set_by_hand_survives_rekey(library_copy):
    pin(library_copy, "67", "--set", "citekey=remoteclip")
    assert row(library_copy, 67)["key_source"] == "user"
    assert run("rekey", "--yes", "--db", str(library_copy)).exit_code == 0
    assert row(library_copy, 67)["citekey"] == "remoteclip"


@pytest.mark.parametrize("args,words", [
    (["67", "--doi", "not-a-doi"], "is not a DOI"),
    (["67", "--doi", "10.48550/arXiv.2306.11029"], "is not a DOI of a published paper"),
    (["67", "--set", "colour=red"], "cannot set 'colour'"),
    (["67", "--set", "year=soon"], "year must be a number"),
    (["67", "--set", "citekey=guo2023skysense"], "key 'guo2023skysense' is taken"),
    (["9999", "--not-a-paper"], "no row at '9999'"),
    (["67"], "nothing to correct"),
])
def test_corrections_that_cannot_be_right_are_refused(library_copy, args, words):
    result = run("pin", *args, "--db", str(library_copy))
    assert result.exit_code == 2 and words in result.stderr, result.output
    assert sqlite3.connect(library_copy).execute("SELECT count(*) FROM corrections").fetchone() == (0,)


def test_clear_hands_the_row_back_to_the_sync(api, library_copy):
    pin(library_copy, "80", "--not-a-paper")
    pin(library_copy, "67", "--set", "title=Wrong")
    listed = run("pin", "--list", "--db", str(library_copy)).stdout
    assert "line 67: title = Wrong" in listed and "line 80: not-a-paper" in listed
    pin(library_copy, "67", "--clear")
    assert run("sync", "--db", str(library_copy)).exit_code == 0
    assert row(library_copy, 67)["title"].startswith("RemoteCLIP: A Vision Language")
    assert row(library_copy, 67)["corrected"] is None


def test_corrections_follow_a_row_whose_title_is_edited_in_the_list(api, library_copy, tmp_path):
    from rsbib.lists.parse import embedded_list_text

    pin(library_copy, "67", "--set", "year=2023")
    edited = embedded_list_text().replace(
        "**RemoteCLIP: A Vision Language Foundation Model for Remote Sensing**",
        "**RemoteCLIP: a vision-language foundation model for remote sensing**")
    source = tmp_path / "list.md"
    source.write_text(edited)
    result = run("sync", "--source", str(source), "--db", str(library_copy))
    assert result.exit_code == 0
    moved = row(library_copy, 67)
    assert moved["year"] == 2023 and json.loads(moved["corrected"]) == ["year"]
    listed = run("pin", "--list", "--db", str(library_copy)).stdout
    assert "line 67: year = 2023" in listed and "no longer in the list" not in listed
