"""`rsbib upgrade` on what real libraries hold: legal BibTeX in parentheses, dateless records,
and DBLP asked only where no other answer settles the entry."""

from __future__ import annotations

from pathlib import Path

import bibtexparser

from tests.conftest import run
from tests.standin.corpus import CrossrefWork


def upgrade(tmp_path: Path, text: str, *args: str):
    path = tmp_path / "refs.bib"
    path.write_text(text)
    return run("upgrade", str(path), "--db", str(tmp_path / "library.db"), *args)


def test_an_entry_written_in_parentheses_is_upgraded(api, tmp_path):
    result = upgrade(tmp_path, "@article(ring,\n  title = {RingMo: A Remote Sensing Foundation Model "
                     "With Masked Image Modeling},\n  journal = {TGRS},\n  year = {2022}\n)\n")
    assert result.exit_code == 0, result.stderr
    assert "doi = {10.1109/tgrs.2022.3194732}" in result.stdout
    assert result.stdout.startswith("@article(ring,") and result.stdout.rstrip().endswith(")")


def test_overwrite_never_writes_a_missing_year_over_the_users(api, tmp_path):
    """Crossref's `issued: [[null]]` (its `created` says 2000): the entry keeps its own year."""
    doi = "10.5555/issued-null"
    api.corpus.crossref[doi] = CrossrefWork(doi=doi, title="A Record Whose Issued Date Is Null",
                                            authors=[("Jane", "Doe")], year=None,
                                            type="journal-article", container="Some Journal")
    try:
        result = upgrade(tmp_path, "@article{doe,\n  author = {Doe, Jane},\n  title = {A Record Whose "
                         "Issued Date Is Null},\n  journal = {J},\n  year = {2003},\n  doi = {" + doi
                         + "}\n}\n", "--overwrite")
    finally:
        del api.corpus.crossref[doi]
    assert result.exit_code == 0, result.stderr
    entry = bibtexparser.parse_string(result.stdout).entries[0]
    assert entry["year"] == "2003" and entry["journal"] == "Some Journal"


def test_dblp_is_asked_only_about_preprints_no_other_answer_settles(api, tmp_path):
    text = ("@inproceedings{workshop,\n  author = {Nobody, A.},\n  title = {A Workshop Paper No "
            "Service Holds Anywhere At All},\n  booktitle = {Some Workshop},\n  year = {2021}\n}\n\n"
            "@article{pre,\n  author = {Nobody, B.},\n  title = {A Preprint That Stays A Preprint "
            "Nowhere Else},\n  journal = {arXiv preprint},\n  year = {2022}\n}\n")
    result = upgrade(tmp_path, text)
    assert result.exit_code == 0, result.stderr
    assert api.counts()["dblp"] == 1  # the preprint; the published entry is its own version of record
    assert "Asking the services about 2 entries" in result.stderr
