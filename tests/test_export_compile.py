"""The full export of the shipped library, compiled with the real tools in the styles authors use.

Each style is one document, compiled once per session (pdflatex, bibtex or
biber, pdflatex, pdflatex); the tests then read the logs, the .bbl and the
printed text (pdftotext of the PDF, on a page wide enough that no line breaks).
"""

import os
import re
import shutil
import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor

import bibtexparser
import pytest

from tests.conftest import ROOT, run

# pdflatex, bibtex and biber over the full export in seven styles.
pytestmark = pytest.mark.slow

SHIPPED = ROOT / "library.db"
BIBTEX_STYLES = {  # style -> preamble
    "plain": "", "abbrv": "", "alpha": "", "ieeetr": "", "apalike": "\\usepackage{url}",
    "plainnat": "\\usepackage{natbib}\\usepackage{url}", "IEEEtran": "\\usepackage{url}",
}
BIBLATEX_STYLES = {"biblatex": "numeric", "biblatex-authoryear": "authoryear",
                   "biblatex-ieee": "ieee", "biblatex-apa": "apa"}
ALL_STYLES = [*BIBTEX_STYLES, *BIBLATEX_STYLES]
TOOLS = ("pdflatex", "bibtex", "biber", "pdftotext")
# One line per entry: a page wide enough for any reference, no hyphenation.
PAGE = ("\\documentclass{article}\\usepackage[T1]{fontenc}\\usepackage[utf8]{inputenc}\\usepackage{lmodern}"
        "\\usepackage[paperwidth=120cm,paperheight=300cm,margin=1cm]{geometry}"
        "\\hyphenpenalty=10000\\exhyphenpenalty=10000\\sloppy")
BOOKKEEPING = re.compile(r"rsbib|as given by|unverified|not on record|not found in", re.I)


def _tools_or_skip():
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        if os.environ.get("RSBIB_REQUIRE_TEX"):
            pytest.fail(f"missing {missing}")
        pytest.skip(f"missing {missing}")


def _document(style: str) -> str:
    if style in BIBLATEX_STYLES:  # every author printed (maxbibnames), so every name can be read
        return (f"{PAGE}\\usepackage[american]{{babel}}\\usepackage{{csquotes}}"
                f"\\usepackage[backend=biber,maxbibnames=99,style={BIBLATEX_STYLES[style]}]{{biblatex}}\\addbibresource{{lib.bib}}"
                "\\begin{document}\\nocite{*}\\printbibliography\\end{document}\n")
    return (f"{PAGE}{BIBTEX_STYLES[style]}\\begin{{document}}\\nocite{{*}}\\bibliographystyle{{{style}}}"
            "\\bibliography{lib}\\end{document}\n")


def _compile(folder, style: str, bib: str) -> dict:
    folder.mkdir()
    (folder / "lib.bib").write_text(bib, encoding="utf-8")
    (folder / "doc.tex").write_text(_document(style), encoding="utf-8")
    latex = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc"]
    steps = [latex, ["biber", "doc"] if style in BIBLATEX_STYLES else ["bibtex", "doc"], latex, latex,
             ["pdftotext", "-layout", "doc.pdf", "doc.txt"]]
    outputs, codes = [], []
    for step in steps:
        done = subprocess.run(step, cwd=folder, capture_output=True, text=True, errors="replace")
        outputs.append(done.stdout + done.stderr)
        codes.append(done.returncode)
    return {"codes": codes, "bib_log": outputs[1],
            "log": (folder / "doc.log").read_text(errors="replace"),
            "bbl": (folder / "doc.bbl").read_text(errors="replace"),
            "text": " ".join((folder / "doc.txt").read_text(errors="replace").split())}


@pytest.fixture(scope="session")
def exports(tmp_path_factory):
    """The BibTeX and biblatex exports of the shipped library."""
    out = {}
    for fmt in ("bibtex", "biblatex"):
        result = run("export", "--db", str(SHIPPED), "--format", fmt)
        assert result.exit_code == 0, result.stderr
        out[fmt] = result.stdout
    return out


@pytest.fixture(scope="session")
def compiled(exports, tmp_path_factory):
    _tools_or_skip()
    base = tmp_path_factory.mktemp("compile")
    with ThreadPoolExecutor(max_workers=2) as pool:  # one document per style, two at a time
        docs = pool.map(lambda style: _compile(
            base / style, style, exports["biblatex" if style in BIBLATEX_STYLES else "bibtex"]), ALL_STYLES)
        return dict(zip(ALL_STYLES, docs))


def _arxiv_only() -> dict[str, str]:
    conn = sqlite3.connect(f"file:{SHIPPED}?mode=ro", uri=True)
    return dict(conn.execute("SELECT citekey, arxiv_id FROM works WHERE type = 'preprint' "
                             "AND arxiv_id IS NOT NULL"))


def _bbl_items(bbl: str) -> dict[str, str]:
    """The printed text of each entry, by key (\\bibitem{key} / \\entry{key} blocks)."""
    parts = re.split(r"\\bibitem(?:\[[^\]]*\]|\{[^}]*\})*?\{([^}]+)\}|\\entry\{([^}]+)\}", bbl)
    items = {}
    for n in range(1, len(parts) - 2, 3):
        items[parts[n] or parts[n + 1]] = parts[n + 2]
    return items


@pytest.mark.parametrize("style", ALL_STYLES)
def test_full_export_compiles_without_errors_or_warnings(compiled, style):
    doc = compiled[style]
    assert doc["codes"] == [0] * 5, doc["log"][-2000:] + doc["bib_log"][-2000:]
    assert not re.findall(r"^!.*", doc["log"], re.M)
    warnings = re.findall(r"^(?:Warning--|WARN - ).*", doc["bib_log"], re.M)
    assert warnings == []
    latex_warnings = re.findall(r"^(?:LaTeX|Package \\w+) Warning.*", doc["log"], re.M)
    assert latex_warnings == []


@pytest.mark.parametrize("style", ALL_STYLES)
def test_printed_bibliography_has_no_bookkeeping(compiled, style):
    assert not BOOKKEEPING.findall(compiled[style]["text"])
    assert not BOOKKEEPING.findall(re.sub(r"\\keyw\{[^\n]*", "", compiled[style]["bbl"]))


@pytest.mark.parametrize("style", BIBTEX_STYLES)
def test_every_preprint_prints_arxiv_and_its_id(compiled, style):
    items = _bbl_items(compiled[style]["bbl"])
    preprints = _arxiv_only()
    assert len(preprints) == 10  # the snapshot's preprints; DBLP holds the others' versions of record
    for key, arxiv_id in preprints.items():
        assert "arXiv" in items[key] and arxiv_id in items[key], (key, items[key])


@pytest.mark.parametrize("style", ALL_STYLES)
def test_every_arxiv_only_paper_prints_its_id(compiled, style):
    text = compiled[style]["text"]
    assert [i for i in _arxiv_only().values() if i not in text] == []


@pytest.mark.parametrize("style", ALL_STYLES)
def test_family_names_print_whole(compiled, style):
    text = compiled[style]["text"]
    for family in ("Giró-i-Nieto", "Vivanco Cepeda", "Lavista Ferres", "Le Saux"):
        assert family in text, family
    assert "Giró-i Nieto" not in text and not re.search(r"(?<!Vivanco )Cepeda, V", text)



@pytest.mark.parametrize("style", ALL_STYLES)
def test_an_incomplete_author_list_prints_et_al(compiled, style):
    # The Fu survey: Crossref names one author of several (tests/test_incomplete_authors.py).
    text = compiled[style]["text"]
    assert len(re.findall(r"(?:K\. Fu|Fu, K\.),? et al\.", text)) == 1, style
    assert "others" not in text


def test_biblatex_preprints_keep_their_eprint(exports):
    entries = {e.key: e for e in bibtexparser.parse_string(exports["biblatex"]).entries}
    for key, arxiv_id in _arxiv_only().items():
        assert entries[key].entry_type == "online"
        assert entries[key]["eprint"] == arxiv_id and entries[key]["eprinttype"] == "arxiv"


@pytest.mark.parametrize("style", ALL_STYLES)
def test_proper_nouns_keep_their_capitals(compiled, style):
    text = compiled[style]["text"]
    for word in ("Sentinel", "Landsat", "Earth", "Scotland", "SEN12MS", "SSL4EO-S12", "RS5M"):
        assert word in text, word
        assert not re.search(rf"\b{word.lower()}\b", text), word


def test_one_printed_name_per_venue_family(exports):
    entries = bibtexparser.parse_string(exports["bibtex"]).entries
    names = {}
    for entry in entries:
        venue = entry.get("booktitle") or entry.get("journal")
        if venue is None:
            continue
        for family, pattern in (("CVPR", r"pattern recognition(?!.*workshop)"), ("ICCV", r"international conference on computer vision(?!.*workshop)"),
                                ("IGARSS", r"geoscience and remote sensing symposium"),
                                ("NeurIPS", r"neural information processing(?!.*(workshop|datasets))")):
            if re.search(pattern, venue.value, re.I):
                names.setdefault(family, set()).add(venue.value)
    assert set(names) == {"CVPR", "ICCV", "IGARSS", "NeurIPS"}
    assert all(len(v) == 1 for v in names.values()), names
    publishers = {e["publisher"] for e in entries if "publisher" in e.fields_dict}
    assert publishers <= {"IEEE", "Springer", "Elsevier", "MDPI", "AAAI", "Copernicus"}, publishers


def test_particle_names_are_split_as_their_owners_write_them(exports):
    assert "Le Saux, Bertrand" in exports["bibtex"]
    assert "Saux, Bertrand Le" not in exports["bibtex"]


@pytest.mark.parametrize("style,labels,year", [
    ("alpha", {"xgeo": "XGe", "seg2sat": "Seg"}, None),  # no "[XGend]": an undated entry has no year
    ("plain", {}, None),  # numbered: \bibitem{key} has no label
    ("alphaurl", {"xgeo": "XGe", "seg2sat": "Seg"}, None),
    ("amsalpha", {"xgeo": "XGe", "seg2sat": "Seg"}, None),
    ("plainnat", {"xgeo": "XGeo()", "seg2sat": "Seg2Sat()"}, "n.d."),  # author-year styles keep n.d.
    ("apalike", {"xgeo": "XGeo, nd", "seg2sat": "Seg2Sat, nd"}, "n.d."),
])
def test_an_export_for_a_document_writes_undated_entries_for_its_style(tmp_path, style, labels, year):
    # rsbib export --aux reads the style the document names (\bibstyle in its .aux).
    _tools_or_skip()
    preamble = BIBTEX_STYLES.get(style, "\\usepackage{url}")
    (tmp_path / "doc.tex").write_text(
        f"{PAGE}{preamble}\\begin{{document}}\\cite{{xgeo,seg2sat}}\\bibliographystyle{{{style}}}"
        "\\bibliography{lib}\\end{document}\n", encoding="utf-8")
    latex = ["pdflatex", "-interaction=nonstopmode", "doc"]
    subprocess.run(latex, cwd=tmp_path, capture_output=True)
    result = run("export", "--db", str(SHIPPED), "--aux", str(tmp_path / "doc.aux"),
                 "-o", str(tmp_path / "lib.bib"))
    assert result.exit_code == 0, result.stderr
    entries = {e.key: e for e in bibtexparser.parse_file(str(tmp_path / "lib.bib")).entries}
    undated = {k: e.fields_dict.get("year") and e["year"] for k, e in entries.items()}
    assert undated == dict.fromkeys(("xgeo", "seg2sat"), year)
    done = subprocess.run(["bibtex", "doc"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0 and "Warning--" not in done.stdout, done.stdout
    bbl = (tmp_path / "doc.bbl").read_text()
    printed = dict((key, label) for label, key in re.findall(r"\\bibitem\[([^\]]*)\]\s*\{([^}]+)\}", bbl))
    assert printed == labels, bbl
    assert ("n.d." in bbl) == (year is not None)
