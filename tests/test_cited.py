"""export --aux / --keys: only what a document cites, from real bibtex and biblatex .aux files.

tests/documents/bibtex and tests/documents/biblatex hold doc.tex, chapter.tex and the .aux files
pdflatex wrote for them (natbib + bibtex; biblatex + biber). Both cite, in this order,
guo2023skysense, sun2023ringmo, smith2099unknown (no such paper), guo2023skysense again,
manas2021seasonal (\\nocite) and li2022geographical (in the \\include'd chapter).
"""

import json
import shutil
import subprocess

import bibtexparser
import pytest

from rsbib.bib.cited import AuxError, read_aux
from tests.conftest import ROOT, run
from tests.test_export import tool

AUX = ROOT / "tests" / "documents"
SHIPPED = ROOT / "library.db"
CITED = ["guo2023skysense", "sun2023ringmo", "manas2021seasonal", "li2022geographical"]


def keys_of(text):
    parsed = bibtexparser.parse_string(text)
    assert parsed.failed_blocks == []
    return [entry.key for entry in parsed.entries]


def test_must_show_one_known_and_one_unknown_key(tmp_path):
    aux = tmp_path / "doc.aux"
    aux.write_text("\\relax \n\\citation{guo2023skysense}\n\\citation{zhou2031unknown}\n"
                   "\\bibstyle{plain}\n\\bibdata{refs}\n")
    result = run("export", "--db", str(SHIPPED), "--aux", str(aux))
    assert result.exit_code == 1
    assert keys_of(result.stdout) == ["guo2023skysense"]
    assert "zhou2031unknown" in result.stderr
    assert "guo2023skysense" not in result.stderr


@pytest.mark.parametrize("flavour", ["bibtex", "biblatex"])
def test_real_aux_files_give_the_cited_entries_in_document_order(flavour):
    result = run("export", "--db", str(SHIPPED), "--aux", str(AUX / flavour / "doc.aux"))
    assert result.exit_code == 1  # smith2099unknown is cited and unknown
    assert keys_of(result.stdout) == CITED
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "smith2099unknown is not in the library" in lines[0]
    assert "doc.aux:" in lines[0]  # names the file and line that cites it


@pytest.mark.parametrize("flavour", ["bibtex", "biblatex"])
def test_reading_the_fixtures(flavour):
    citations = read_aux(AUX / flavour / "doc.aux")
    assert citations.keys == CITED[:2] + ["smith2099unknown"] + CITED[2:]
    assert not citations.cites_all


def test_library_order_and_keys_option():
    result = run("export", "--db", str(SHIPPED), "--keys", "li2022geographical, guo2023skysense",
                 "--keys", "manas2021seasonal", "--order", "library")
    assert result.exit_code == 0, result.stderr
    everything = keys_of(run("export", "--db", str(SHIPPED)).stdout)
    wanted = {"li2022geographical", "guo2023skysense", "manas2021seasonal"}
    assert keys_of(result.stdout) == [key for key in everything if key in wanted]
    document = run("export", "--db", str(SHIPPED), "--keys", "li2022geographical,guo2023skysense")
    assert keys_of(document.stdout) == ["li2022geographical", "guo2023skysense"]


def test_a_typo_is_answered_with_the_nearest_keys():
    result = run("export", "--db", str(SHIPPED), "--keys", "guo2023skysens,Sun2023ringmo")
    assert result.exit_code == 1
    assert keys_of(result.stdout) == []
    lines = result.stderr.splitlines()
    assert lines[0].endswith("guo2023skysens is not in the library (nearest: guo2023skysense)")
    assert "(nearest: sun2023ringmo" in lines[1]


def test_nocite_all_and_several_keys_per_line(tmp_path):
    (tmp_path / "part.aux").write_text("\\citation{sun2023ringmo,guo2023skysense}\n")
    (tmp_path / "doc.aux").write_text("\\relax\n\\@input{part.aux}\n\\@input{missing.aux}\n"
                                      "\\citation{*}\n\\@input{doc.aux}\n")
    citations = read_aux(tmp_path / "doc.aux")
    assert citations.keys == ["sun2023ringmo", "guo2023skysense"] and citations.cites_all
    result = run("export", "--db", str(SHIPPED), "--aux", str(tmp_path / "doc.aux"))
    assert result.exit_code == 0
    assert len(keys_of(result.stdout)) == len(keys_of(run("export", "--db", str(SHIPPED)).stdout))


def test_old_biblatex_and_nociteall(tmp_path):
    (tmp_path / "a.aux").write_text("\\abx@aux@cite{sun2023ringmo}\n\\abx@aux@nociteall\n")
    citations = read_aux(tmp_path / "a.aux")
    assert citations.keys == ["sun2023ringmo"] and citations.cites_all


@pytest.mark.parametrize("content,message", [
    (None, "cannot read"), ("\\relax\n\\bibdata{refs}\n", "cites no key")])
def test_bad_aux_is_one_line_and_exit_2(tmp_path, content, message):
    aux = tmp_path / "doc.aux"
    if content is not None:
        aux.write_text(content)
    result = run("export", "--db", str(SHIPPED), "--aux", str(aux), "-o", str(tmp_path / "out.bib"))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and str(aux) in result.stderr and message in result.stderr
    assert not (tmp_path / "out.bib").exists()


def test_aux_and_category_together_is_a_usage_error():
    result = run("export", "--db", str(SHIPPED), "--keys", "guo2023skysense", "-c", "survey")
    assert result.exit_code == 2 and "--category" in result.stderr


def test_unverified_row_left_out_by_resolved_only_says_so():
    everything = run("export", "--db", str(SHIPPED), "--format", "csl-json").stdout
    resolved = run("export", "--db", str(SHIPPED), "--format", "csl-json", "--resolved-only").stdout
    unverified = sorted({e["id"] for e in json.loads(everything)} - {e["id"] for e in json.loads(resolved)})
    assert unverified
    result = run("export", "--db", str(SHIPPED), "--keys", unverified[0], "--resolved-only")
    assert result.exit_code == 1 and "left out by --resolved-only" in result.stderr


@pytest.mark.slow
def test_aux_files_are_what_pdflatex_writes_today(tmp_path):
    """The committed fixtures are real: pdflatex writes the same citations from the same sources."""
    tool("pdflatex")
    for flavour in ("bibtex", "biblatex"):
        work = tmp_path / flavour
        work.mkdir()
        for name in ("doc.tex", "chapter.tex"):
            shutil.copy(AUX / flavour / name, work / name)
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "doc.tex"], cwd=work,
                       capture_output=True, timeout=120)
        assert read_aux(work / "doc.aux").keys == read_aux(AUX / flavour / "doc.aux").keys


@pytest.mark.parametrize("flavour,processor", [("bibtex", "bibtex"), ("biblatex", "biber")])
@pytest.mark.slow
def test_bibtex_and_biber_find_every_cited_entry_but_the_unknown(tmp_path, flavour, processor):
    """The exported file serves the real document: the only key the processor misses is the unknown one."""
    tool("pdflatex")
    tool(processor)
    for name in ("doc.tex", "chapter.tex"):
        shutil.copy(AUX / flavour / name, tmp_path / name)
    fmt = "biblatex" if flavour == "biblatex" else "bibtex"
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "doc.tex"], cwd=tmp_path,
                   capture_output=True, timeout=120)
    result = run("export", "--db", str(SHIPPED), "--aux", str(tmp_path / "doc.aux"),
                 "--format", fmt, "-o", str(tmp_path / "refs.bib"))
    assert result.exit_code == 1
    done = subprocess.run([processor, "doc"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    log = (tmp_path / "doc.blg").read_text()
    missing = [line for line in log.splitlines() if "find a database entry" in line]
    assert len(missing) == 1 and "smith2099unknown" in missing[0], done.stdout
    assert len(keys_of((tmp_path / "refs.bib").read_text())) == 4


def test_aux_error_names_the_file(tmp_path):
    with pytest.raises(AuxError, match="nothere.aux"):
        read_aux(tmp_path / "nothere.aux")


def test_the_aux_names_the_documents_bibtex_style_and_the_option_overrides_it(tmp_path):
    assert read_aux(AUX / "bibtex" / "doc.aux").bibstyle == "plainnat"
    assert read_aux(AUX / "biblatex" / "doc.aux").bibstyle is None  # biblatex writes no \bibstyle
    aux = tmp_path / "doc.aux"
    aux.write_text("\\relax \n\\citation{xgeo}\n\\bibstyle{alpha}\n\\bibdata{refs}\n")

    def year(*args):
        entries = bibtexparser.parse_string(run("export", "--db", str(SHIPPED), *args).stdout).entries
        return entries[0].fields_dict.get("year") and entries[0]["year"]

    assert year("--aux", str(aux)) is None  # alpha: no "[XGend]" label
    assert year("--aux", str(aux), "--bibstyle", "apalike") == "n.d."
    assert year("--keys", "xgeo") == "n.d."  # style unknown: n.d., which every style takes
    assert year("--keys", "xgeo", "--bibstyle", "IEEEtran") is None


def test_a_style_rsbib_has_not_checked_or_two_styles_are_said_on_stderr(tmp_path):
    result = run("export", "--db", str(SHIPPED), "--keys", "xgeo", "--bibstyle", "mystyle.bst")
    assert result.exit_code == 0 and "year = {n.d.}" in result.stdout
    assert "BibTeX style 'mystyle' is not one rsbib has checked" in result.stderr
    assert "year = {n.d.}" not in run("export", "--db", str(SHIPPED), "--keys", "xgeo",
                                      "--bibstyle", "styles/alpha.bst").stdout
    first, second = tmp_path / "a.aux", tmp_path / "b.aux"
    first.write_text("\\citation{xgeo}\n\\bibstyle{alpha}\n")
    second.write_text("\\citation{seg2sat}\n\\bibstyle{apalike}\n")
    result = run("export", "--db", str(SHIPPED), "--aux", str(first), "--aux", str(second))
    assert result.exit_code == 0 and "year = {n.d.}" not in result.stdout
    assert "name the styles alpha, apalike: undated entries are written for alpha" in result.stderr
