"""A row no service holds, completed by hand (`rsbib pin ROW --set ...`), keeps what the list gave it."""

import json
import shutil
import subprocess

import bibtexparser
import pytest

from tests.conftest import ROOT, run

XGEO_LINK = "https://openreview.net/pdf?id=qWSk62REeK"  # the list's link; the list gives no date


@pytest.fixture
def pinned(tmp_path):
    db = tmp_path / "library.db"
    shutil.copy(ROOT / "library.db", db)

    def pin(*sets: str):
        args = [a for s in sets for a in ("--set", s)]
        result = run("pin", "xgeo", "--db", str(db), *args)
        assert result.exit_code == 0, result.output
        return db
    return pin


def _entry(db, *args):
    return bibtexparser.parse_string(run("export", "--db", str(db), "--keys", "xgeo", *args).stdout).entries[0]


def test_pinned_authors_keep_the_lists_link_and_undated_year_and_say_unverified(pinned):
    db = pinned("authors=Doe, Jane and others")
    entry = _entry(db)
    assert (entry["author"], entry["url"], entry["year"]) == ("Doe, Jane and others", XGEO_LINK, "n.d.")
    assert entry["keywords"] == "rsbib-unverified, rsbib-by-hand"
    assert "year" not in _entry(db, "--bibstyle", "alpha").fields_dict
    assert _entry(db, "--format", "biblatex")["date"] == "XXXX"
    item = json.loads(run("export", "--db", str(db), "--keys", "xgeo", "--format", "csl-json").stdout)[0]
    assert item["URL"] == XGEO_LINK and "completed by hand" in item["custom"]["rsbib"]


def test_a_pinned_type_alone_keeps_the_key_and_never_blames_crossref(pinned):
    entry = _entry(pinned("type=misc"))
    assert entry["key"] == "XGeo" and entry["url"] == XGEO_LINK
    assert "authors not on record" not in entry["rsbibnote"] and "rsbib-unverified" in entry["keywords"]


def test_a_pinned_url_wins_over_the_lists_link(pinned):
    assert _entry(pinned("url=https://example.org/xgeo.pdf"))["url"] == "https://example.org/xgeo.pdf"


@pytest.mark.parametrize("style", ["plain", "apalike"])
def test_the_completed_row_compiles_without_warnings(pinned, tmp_path, style):
    if not (shutil.which("pdflatex") and shutil.which("bibtex")):
        pytest.skip("no TeX")
    db = pinned("authors=Doe, Jane and others")
    (tmp_path / "lib.bib").write_text(run("export", "--db", str(db), "--keys", "xgeo").stdout)
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\\usepackage{url}\\begin{document}"
                                      f"\\nocite{{*}}\\bibliographystyle{{{style}}}\\bibliography{{lib}}"
                                      "\\end{document}\n")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "doc"], cwd=tmp_path, capture_output=True)
    done = subprocess.run(["bibtex", "doc"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0 and "Warning--" not in done.stdout, done.stdout
    bbl = (tmp_path / "doc.bbl").read_text()
    assert "Doe" in bbl and "et~al." in bbl  # (plain and apalike print no url)
