"""Independent readers of the BibTeX export agree with rsbib's own CSL-JSON, field by field.

pybtex (Python) and citation-js (JavaScript, installed by .ci/run into
tests/js/) read the BibTeX export of the shipped library; for every entry
the authors' family names, title, venue, year and DOI they find must be the
ones rsbib's CSL-JSON export gives. Titles and venues that pdflatex cannot set
are read from the --unicode export (the default one writes them in pinyin).
"""

import json
import os
import re
import shutil
import subprocess
import unicodedata

import pybtex.database
import pybtex.errors
import pytest
from pylatexenc.latex2text import LatexNodes2Text

from tests.conftest import ROOT, run

SHIPPED = ROOT / "library.db"
JS = ROOT / "tests" / "js"
_LATEX = LatexNodes2Text(strict_latex_spaces=True)


def _export(*options: str) -> str:
    result = run("export", "--db", str(SHIPPED), *options)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def norm(text: str | None) -> str | None:
    """One spelling for equal text: NFC, one space, no case-protecting braces or nocase spans.

    LaTeX's accented dotless i (`\\'\\i`, how í is written for pdflatex) decodes
    to "ı" plus a combining accent: the same letter as "í".
    """
    if text is None:
        return None
    text = re.sub(r"</?span[^>]*>", "", text).replace("{", "").replace("}", "")
    text = re.sub("ı(?=[\u0300-\u036f])", "i", unicodedata.normalize("NFD", text))
    return " ".join(unicodedata.normalize("NFC", text).split()) or None


def expected(item: dict) -> dict:
    """What rsbib's CSL-JSON says of an item, in the fields both formats hold."""
    issued = (item.get("issued") or {}).get("date-parts") or [[None]]
    return {"authors": [norm(" ".join(a[part] for part in ("non-dropping-particle", "family", "literal")
                                      if a.get(part))) for a in item.get("author", [])],
            "title": norm(item["title"]), "venue": norm(item.get("container-title")),
            "year": issued[0][0], "doi": item.get("DOI")}


@pytest.fixture(scope="session")
def csl() -> dict[str, dict]:
    return {i["id"]: expected(i) for i in json.loads(_export("--format", "csl-json"))}


@pytest.fixture(scope="session")
def bibtex() -> dict[str, str]:
    return {"ascii": _export(), "unicode": _export("--unicode")}


def _latin(bib: str) -> set[str]:
    """Keys of entries whose title or venue the default export had to write in Latin letters."""
    return set(re.findall(r"@\w+\{([^,]+),(?:(?!\n@).)*language = ", bib, re.S))


def _pybtex(bib: str) -> dict[str, dict]:
    pybtex.errors.set_strict_mode(True)  # any complaint of pybtex's raises
    found = {}
    for key, entry in pybtex.database.parse_string(bib, "bibtex").entries.items():
        f = entry.fields
        venue = f.get("journal") or f.get("booktitle")
        year = f.get("year")
        found[key] = {
            "authors": [norm(_LATEX.latex_to_text(" ".join(p.prelast_names + p.last_names)))
                        for p in entry.persons.get("author", [])],
            "title": norm(_LATEX.latex_to_text(f["title"])),
            "venue": norm(_LATEX.latex_to_text(venue)) if venue else None,
            "year": int(year) if year and year.isdigit() else None, "doi": f.get("doi")}
    return found


def _citation_js(bib: str) -> dict[str, dict]:
    if not (JS / "node_modules" / "@citation-js").is_dir() or not shutil.which("node"):
        if os.environ.get("RSBIB_REQUIRE_TEX"):
            pytest.fail("citation-js is not installed (npm ci in tests/js, see .ci/run)")
        pytest.skip("citation-js is not installed (npm ci in tests/js)")
    done = subprocess.run(["node", str(JS / "read-bibtex.js")], input=bib, capture_output=True,
                          text=True, encoding="utf-8")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    found = {}
    for item in json.loads(done.stdout):
        data = expected(item)
        if item["type"] not in ("article-journal", "paper-conference"):
            data["venue"] = None  # a misc's howpublished is no container
        found[item["id"]] = data
    return found


def _agree(read: dict[str, dict], read_unicode: dict[str, dict], csl: dict[str, dict], latin: set[str]):
    assert set(read) == set(csl)
    differences = []
    for key, want in csl.items():
        got = dict(read[key])
        if key in latin:  # title and venue as written, from the --unicode export
            got["title"], got["venue"] = read_unicode[key]["title"], read_unicode[key]["venue"]
        if want["venue"] is None or got["venue"] is None:
            # preprints: BibTeX prints "arXiv preprint ..." in howpublished, CSL its number
            assert not (want["venue"] and key not in latin), (key, want, got)
            got["venue"] = want["venue"]
        differences += [(key, field, got[field], value) for field, value in want.items()
                        if got[field] != value]
    assert differences == []


def test_pybtex_reads_the_same_entries(bibtex, csl):
    _agree(_pybtex(bibtex["ascii"]), _pybtex(bibtex["unicode"]), csl, _latin(bibtex["ascii"]))


def test_citation_js_reads_the_same_entries(bibtex, csl):
    _agree(_citation_js(bibtex["ascii"]), _citation_js(bibtex["unicode"]), csl, _latin(bibtex["ascii"]))


def test_the_comparison_finds_a_difference(bibtex, csl):
    changed = bibtex["ascii"].replace("Vivanco Cepeda, Vicente", "Cepeda, Vicente Vivanco")
    with pytest.raises(AssertionError, match="Cepeda"):
        _agree(_pybtex(changed), _pybtex(bibtex["unicode"]), csl, _latin(bibtex["ascii"]))
