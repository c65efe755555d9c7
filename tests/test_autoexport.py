"""Auto-export: targets declared in rsbib.toml or pyproject.toml are rewritten by every sync."""

import json
import shutil
import sqlite3

import bibtexparser
import pytest

from tests.conftest import ROOT, run
from tests.test_cited import CITED

AUX = ROOT / "tests" / "documents" / "biblatex"


def keys_in(path):
    parsed = bibtexparser.parse_string(path.read_text())
    assert parsed.failed_blocks == []
    return [e.key for e in parsed.entries]


def runs(db):
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM sync_runs").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def paper(library_copy):
    """A paper folder beside the library, with the .aux files of a real biblatex run."""
    folder = library_copy.parent / "paper"
    folder.mkdir()
    for name in ("doc.aux", "chapter.aux"):
        shutil.copy(AUX / name, folder / name)
    return folder


CONFIG = """
[[export]]
path = "paper/refs.bib"
format = "biblatex"
aux = "paper/doc.aux"

[[export]]
path = "survey.json"
format = "csl-json"
categories = ["survey"]
"""


def test_every_sync_refreshes_the_declared_targets(library_copy, paper, api):
    (library_copy.parent / "rsbib.toml").write_text(CONFIG)
    result = run("sync", "--db", str(library_copy))
    assert result.exit_code == 0, result.stderr
    assert keys_in(paper / "refs.bib") == CITED
    assert "smith2099unknown is not in the library" in result.stderr  # named, yet not a failure
    survey = json.loads((library_copy.parent / "survey.json").read_text())
    expected = json.loads(run("export", "--db", str(library_copy), "-c", "survey",
                              "--format", "csl-json").stdout)
    assert survey == expected
    assert "Auto-export: 4 entries written to" in result.stderr
    # The next sync follows the document: a citation removed from the .aux leaves the .bib.
    aux = paper / "doc.aux"
    aux.write_text(aux.read_text().replace("\\abx@aux@cite{0}{sun2023ringmo}", ""))
    assert run("sync", "--db", str(library_copy), "--offline").exit_code == 0
    assert keys_in(paper / "refs.bib") == [k for k in CITED if k != "sun2023ringmo"]


def test_pyproject_tool_table(library_copy):
    (library_copy.parent / "pyproject.toml").write_text(
        '[project]\nname = "paper"\n\n[[tool.rsbib.export]]\npath = "vision.bib"\n'
        'categories = ["vision"]\nresolved-only = true\n')
    result = run("sync", "--db", str(library_copy), "--offline")
    assert result.exit_code == 0, result.stderr
    expected = run("export", "--db", str(library_copy), "-c", "vision", "--resolved-only").stdout
    assert (library_copy.parent / "vision.bib").read_text() == expected


def test_no_declaration_writes_nothing_more(library_copy):
    before = sorted(p.name for p in library_copy.parent.iterdir())
    result = run("sync", "--db", str(library_copy), "--offline")
    assert result.exit_code == 0 and "Auto-export" not in result.stderr
    assert sorted(p.name for p in library_copy.parent.iterdir() if p.suffix != ".db") == \
        [n for n in before if not n.endswith(".db")]


@pytest.mark.parametrize("config,where", [
    ('[[export]]\npath = "a.bib"\nformat = "bibtxt"\n', "export[1].format"),
    ('[[export]]\nformat = "bibtex"\n', "export[1].path"),
    ('[[export]]\npath = "a.bib"\n\n[[export]]\npath = "b.bib"\ncolour = "red"\n', "export[2].colour"),
    ('[[export]]\npath = "a.bib"\naux = "x.aux"\ncategories = ["survey"]\n', "export[1].aux"),
    ('[[export]]\npath = "a.bib"\nresolved-only = "yes"\n', "export[1].resolved-only"),
    ('[[export]]\npath = "a.bib"\ncategories = []\n', "export[1].categories"),
    ('[export]\npath = "a.bib"\n', "export: must be an array of tables"),
    ('[[exports]]\npath = "a.bib"\n', "exports: unknown key"),
    ('[[export]\npath = "a.bib"\n', "not valid TOML"),
])
def test_a_bad_declaration_is_one_line_exit_2_and_no_sync(library_copy, config, where):
    config_file = library_copy.parent / "rsbib.toml"
    config_file.write_text(config)
    before = runs(library_copy)
    result = run("sync", "--db", str(library_copy), "--offline")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert str(config_file) in result.stderr and where in result.stderr
    assert runs(library_copy) == before
    assert not (library_copy.parent / "a.bib").exists()


def test_a_target_that_cannot_be_written_fails_alone(library_copy):
    (library_copy.parent / "rsbib.toml").write_text(
        '[[export]]\npath = "missing-folder/a.bib"\n\n'
        '[[export]]\npath = "b.bib"\naux = "nowhere.aux"\n\n'
        '[[export]]\npath = "c.bib"\ncategories = ["no-such-table"]\n\n'
        '[[export]]\npath = "d.bib"\nformat = "biblatex"\n')
    result = run("sync", "--db", str(library_copy), "--offline")
    assert result.exit_code == 1
    assert "export[1]:" in result.stderr and "No such file or directory" in result.stderr
    assert "export[2]:" in result.stderr and "nowhere.aux" in result.stderr
    assert "export[3].categories: no table named 'no-such-table'" in result.stderr
    assert not (library_copy.parent / "b.bib").exists()
    written = (library_copy.parent / "d.bib").read_text()
    assert written == run("export", "--db", str(library_copy), "--format", "biblatex").stdout
