"""An author list known to be incomplete ends with "and others", from the sources to every export.

The printed forms (BibTeX and biblatex styles, CSL through pandoc) are checked
in test_export_compile.py and test_export_csl.py on the shipped library.
"""

import json
import sqlite3

import bibtexparser
import pytest

from rsbib.metadata.authors import join_authors, known_authors, split_authors
from rsbib.metadata.records import Author, WorkRecord
from rsbib.resolve.combine import merge
from rsbib.sources import arxiv, crossref, dblp
from tests.conftest import run

FU = "10.11834/jrs.20233313"  # the snapshot knows one of its authors, and that there are more


@pytest.mark.parametrize("marks", [
    [Author("al.", "et")],  # a Crossref deposit's "et al." author (WDscholia/scholia#2722)
    [Author("et", "al.")],  # the same, the other way round
    [Author("et al.")], [Author("et al")], [Author("others")], [Author("等")],
])
def test_an_et_al_author_is_read_as_more_authors_not_as_a_person(marks):
    named, incomplete = known_authors([Author("Fu", "K."), *marks])
    assert (named, incomplete) == ([Author("Fu", "K.")], True)


def test_a_real_family_name_is_not_a_mark():
    names = [Author("Al", "Jamal"), Author("Etal", ""), Author("Other", "Ann")]
    assert known_authors(names) == (names, False)
    assert known_authors([Author("et al.")]) == ([], False)  # no name at all: no authors, nothing "more"


def test_the_authors_string_round_trips_the_mark():
    text = join_authors([Author("Fu", "K.")], incomplete=True)
    assert text == "Fu, K. and others"
    assert split_authors(text) == [Author("Fu", "K.")]
    assert join_authors([], incomplete=True) == ""


def test_each_source_reads_its_own_form_of_et_al():
    item = {"DOI": FU, "title": ["A survey"], "type": "journal-article",
            "author": [{"given": "K.", "family": "Fu", "sequence": "first"},
                       {"given": "et", "family": "al.", "sequence": "additional"}]}
    record = crossref.to_record(item)
    assert (record.authors, record.authors_incomplete) == ([Author("Fu", "K.")], True)
    hit = {"title": "A survey.", "year": "2024", "type": "Journal Articles", "venue": "J",
           "authors": {"author": [{"text": "Kun Fu"}, {"text": "et al."}]}}
    record = dblp.to_record(hit)
    assert record is not None and (record.authors, record.authors_incomplete) == ([Author("Fu", "Kun")], True)
    assert not crossref.to_record({**item, "author": item["author"][:1]}).authors_incomplete
    assert arxiv.known_authors is known_authors  # arXiv's whole names go through the same reading


def test_a_whole_list_from_arxiv_beats_the_version_of_records_incomplete_one():
    published = WorkRecord("A survey", [Author("Fu", "K.")], doi=FU, type="journal-article",
                           authors_incomplete=True)
    preprint = WorkRecord("A survey", [Author("Fu", "Kun"), Author("Sun", "Xian")], arxiv_id="2401.00001")
    work = merge(published, preprint)
    assert work is not None and (work.authors, work.authors_incomplete) == (preprint.authors, False)
    shorter = WorkRecord("A survey", [Author("Fu", "Kun")], arxiv_id="2401.00001")
    work = merge(published, shorter)
    assert work is not None and (work.authors, work.authors_incomplete) == (published.authors, True)


def _fu(db):
    conn = sqlite3.connect(db)
    work = conn.execute("SELECT id, citekey, authors FROM works WHERE doi = ?", [FU]).fetchone()
    names = conn.execute("SELECT a.name FROM work_authors wa JOIN authors a ON a.id = wa.author_id "
                         "WHERE wa.work_id = ? ORDER BY wa.position", [work[0]]).fetchall()
    return work[1], work[2], [n for (n,) in names]


def test_a_sync_stores_the_mark_once_and_no_et_al_person(synced_db):
    key, authors, names = _fu(synced_db)
    assert (key, authors, names) == ("fu2024yaogan", "Fu, K. and others", ["Fu, K."])
    conn = sqlite3.connect(synced_db)
    assert conn.execute("SELECT count(*) FROM authors WHERE family IN ('others', 'al.', 'et')").fetchone()[0] == 0


def test_every_format_says_there_are_more_authors(synced_db):
    bib = bibtexparser.parse_string(run("export", "--db", str(synced_db)).stdout)
    assert {e.key: e for e in bib.entries}["fu2024yaogan"]["author"] == "Fu, K. and others"
    biblatex = run("export", "--db", str(synced_db), "--format", "biblatex").stdout
    assert "author = {Fu, K. and others}" in biblatex
    items = {i["id"]: i for i in json.loads(run("export", "--db", str(synced_db), "--format", "csl-json").stdout)}
    assert items["fu2024yaogan"]["author"] == [{"family": "Fu", "given": "K."}, {"family": "others"}]
    others = [i["id"] for i in items.values() if {"family": "others"} in i.get("author", [])]
    assert others == ["fu2024yaogan"]


def test_a_pinned_and_others_is_kept_and_exported(library_copy, api):
    result = run("pin", "vivancocepeda2023geoclip", "--db", str(library_copy),
                 "--set", "authors=Vivanco Cepeda, Vicente and others")
    assert result.exit_code == 0, result.output
    assert run("sync", "--db", str(library_copy), "--refresh").exit_code == 0
    conn = sqlite3.connect(library_copy)
    work = conn.execute("SELECT id, authors FROM works WHERE citekey = 'vivancocepeda2023geoclip'").fetchone()
    assert work[1] == "Vivanco Cepeda, Vicente and others"
    rows = conn.execute("SELECT a.name FROM work_authors wa JOIN authors a ON a.id = wa.author_id "
                        "WHERE wa.work_id = ?", [work[0]]).fetchall()
    assert rows == [("Vivanco Cepeda, Vicente",)]
    bib = run("export", "--db", str(library_copy), "--keys", "vivancocepeda2023geoclip").stdout
    assert "author = {Vivanco Cepeda, Vicente and others}" in bib
