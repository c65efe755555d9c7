"""`rsbib add`: one paper -> one row at the end of a table, in that table's style, nothing else changed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from rsbib.lists.add import AddError, abbreviation_of, list_label, read_identifier
from rsbib.lists.parse import embedded_list_text, parse
from rsbib.metadata.records import WorkRecord
from tests.conftest import run

FAMILY = Path(__file__).parent / "lists" / "family.md"
REMOTECLIP_DOI = "10.1109/tgrs.2024.3390838"
REMOTECLIP_TITLE = "RemoteCLIP: A Vision Language Foundation Model for Remote Sensing"


@pytest.fixture
def without_remoteclip(tmp_path) -> tuple[Path, list[str]]:
    """A copy of the embedded list with the RemoteCLIP row removed, and the lines it held."""
    lines = embedded_list_text().split("\n")
    kept = [line for line in lines if not line.startswith("|**RemoteCLIP**|")]
    assert len(kept) == len(lines) - 1
    path = tmp_path / "README.md"
    path.write_bytes("\n".join(kept).encode())
    return path, kept


def test_restores_the_remoteclip_row_and_changes_no_other_byte(api, without_remoteclip, tmp_path):
    path, before = without_remoteclip
    result = run("add", "2306.11029", "--category", "vision-language", "--source", str(path),
                 "--in-place", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 0, result.stderr
    after = path.read_bytes().decode().split("\n")
    added = [n for n in range(len(after)) if after[:n] + after[n + 1:] == before]
    assert added == [72]  # the line after GeoChat...EarthGPT: the end of the vision-language table
    assert result.stdout == after[72] + "\n"
    assert f"{path}:73" in result.stderr and "vision-language" in result.stderr
    parsed = parse(path.read_text(), str(path))
    assert len(parsed.rows) == 93 and not parsed.problems
    row = next(r for r in parsed.rows if r.line == 73)
    assert (row.category, row.abbreviation, row.title, row.publication, row.paper_url) == (
        "vision-language", "RemoteCLIP", REMOTECLIP_TITLE, "TGRS2024", f"https://doi.org/{REMOTECLIP_DOI}")
    assert row.code_url is None and after[72].endswith("|null|")  # the table's word for no code


def test_the_added_row_syncs_to_the_same_paper(api, without_remoteclip, tmp_path):
    path, _ = without_remoteclip
    assert run("add", "2306.11029", "-c", "vision-language", "--source", str(path), "--in-place",
               "--db", str(tmp_path / "none.db")).exit_code == 0
    db = tmp_path / "library.db"
    assert run("sync", "--source", str(path), "--db", str(db)).exit_code == 0
    with sqlite3.connect(db) as conn:
        doi, venue, year = conn.execute(
            "SELECT w.doi, w.venue, w.year FROM entries e JOIN works w ON w.id = e.work_id "
            "WHERE e.line = 73").fetchone()
    assert (doi, venue, year) == (REMOTECLIP_DOI, "IEEE Transactions on Geoscience and Remote Sensing", 2024)


def test_refuses_a_paper_the_list_cites_naming_each_row(api, tmp_path):
    result = run("add", "2312.10115", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 1 and result.stdout == ""
    named = [line for line in result.stderr.splitlines() if "already cites" in line]
    assert len(named) == 2
    assert ":60:" in named[0] and "table vision " in named[0] and "SkySense" in named[0]
    assert ":103:" in named[1] and "table benchmark " in named[1]
    assert "--allow-duplicate" in result.stderr


def test_allow_duplicate_adds_to_another_table_but_never_twice_to_one(api, tmp_path):
    db = str(tmp_path / "none.db")
    elsewhere = run("add", "2311.07113", "-c", "benchmark", "--allow-duplicate", "--db", db)
    assert elsewhere.exit_code == 0, elsewhere.stderr
    assert elsewhere.stdout.startswith("|**SpectralGPT**|**SpectralGPT: Spectral Remote Sensing")
    assert "warning:" in elsewhere.stderr and ":59:" in elsewhere.stderr
    assert "column 'Downstream Tasks' left empty" in elsewhere.stderr
    assert elsewhere.stdout.rstrip("\n").endswith("||")  # the Downstream Tasks cell, empty
    same = run("add", "2311.07113", "-c", "vision", "--allow-duplicate", "--db", db)
    assert same.exit_code == 1 and same.stdout == "" and ":59:" in same.stderr


def test_the_library_finds_a_row_whose_link_and_title_do_not_say_it(api, synced_db, tmp_path):
    # SpectralGPT's row links arXiv under its preprint title; its DOI is known only to the sync.
    args = ("add", "10.1109/tpami.2024.3362475", "-c", "vision-language")
    alone = run(*args, "--db", str(tmp_path / "none.db"))
    assert alone.exit_code == 0, alone.stderr
    with_library = run(*args, "--db", str(synced_db))
    assert with_library.exit_code == 1
    assert ":59: table vision already cites this paper (DOI 10.1109/tpami.2024.3362475)" in with_library.stderr


def test_output_file_gets_the_list_with_the_row_and_the_source_stays(api, without_remoteclip, tmp_path):
    path, before = without_remoteclip
    out = tmp_path / "out.md"
    result = run("add", "https://doi.org/10.1109/TGRS.2024.3390838", "-c", "Remote Sensing "
                 "Vision-Language Foundation Models", "--source", str(path), "-o", str(out),
                 "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 0, result.stderr
    assert path.read_bytes().decode().split("\n") == before
    assert out.read_text().split("\n")[72] == result.stdout.rstrip("\n")


@pytest.mark.parametrize("args, message", [
    (("2306.11029", "--in-place"), "--in-place needs --source"),
    (("2306.11029", "--in-place", "--source", "x.md", "-o", "y.md"), "not both"),
    (("2306.11029", "--source", "x.md", "-o", "x.md"), "use --in-place"),
    (("2306.11029", "--code", "github.com/x"), "not an http(s) URL"),
    (("not-an-id",), "is not an arXiv id, a DOI"),
    (("https://ieeexplore.ieee.org/abstract/document/10378718",), "carries no arXiv id or DOI"),
    (("2306.11029", "-c", "nosuchtable"), "no table named 'nosuchtable'"),
    (("2306.11029", "-c", "vision-l", "--source", "/nonexistent/list.md"), "cannot read the list"),
])
def test_bad_input_is_one_line_and_exit_2_before_any_request(api, args, message, tmp_path):
    result = run("add", *args, "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.splitlines()) == 1
    assert sum(api.counts().values()) == 0


def test_a_new_paper_needs_its_table_named_when_the_list_has_several(api, without_remoteclip, tmp_path):
    path, before = without_remoteclip
    result = run("add", "2306.11029", "--source", str(path), "--in-place", "--db", str(tmp_path / "n.db"))
    assert result.exit_code == 2
    assert "--category" in result.stderr and "vision, vision-language, generative" in result.stderr
    assert path.read_bytes().decode().split("\n") == before


def test_a_paper_no_service_holds_is_not_added(api, tmp_path):
    result = run("add", "2101.99999", "-c", "vision", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 1 and result.stdout == ""
    assert "not added" in result.stderr and "no record" in result.stderr


def test_tables_of_the_family_each_in_their_own_columns(api, tmp_path):
    db = str(tmp_path / "none.db")
    task = run("add", "2306.11029", "-c", "task", "--code", "https://github.com/ChenDelong1999/RemoteCLIP",
               "--source", str(FAMILY), "--db", db)
    assert task.exit_code == 0, task.stderr
    assert task.stdout == (f"|**RemoteCLIP**|**{REMOTECLIP_TITLE}**|TGRS2024|[Paper](https://doi.org/"
                           f"{REMOTECLIP_DOI})|[link](https://github.com/ChenDelong1999/RemoteCLIP)||\n")
    assert "column 'Task' left empty" in task.stderr
    agents = run("add", "2306.11029", "-c", "agent", "--abbr", "RC", "--source", str(FAMILY), "--db", db)
    assert agents.exit_code == 0, agents.stderr
    # The agents' table has no row without code: the list's usual word for none.
    assert agents.stdout == f"|**{REMOTECLIP_TITLE}**|TGRS2024|[Paper](https://doi.org/{REMOTECLIP_DOI})|null|\n"
    assert f"{FAMILY}:24" in agents.stderr
    assert "--abbr ignored: table agent has no abbreviation column" in agents.stderr


def test_a_paper_without_a_doi_gets_dblps_venue_and_the_arxiv_link(api, tmp_path):
    # GEO-Bench has no DOI: DBLP gives its venue (NeurIPS 2023), arXiv the only link; the survey
    # table has no code column.
    source = tmp_path / "list.md"
    source.write_text(FAMILY.read_text().replace("GEO-Bench", "Other").replace("2306.03831", "2306.00000"))
    result = run("add", "2306.03831", "-c", "survey", "--source", str(source), "--db", str(tmp_path / "n.db"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ("|**GEO-Bench: Toward Foundation Models for Earth Monitoring**|NeurIPS2023|"
                             "[Paper](https://arxiv.org/abs/2306.03831)||\n")


def test_padding_outer_pipes_and_crlf_are_the_tables_own(api, tmp_path):
    source = tmp_path / "list.md"
    text = ("# Papers\r\n\r\n| Abbr | Title | Venue | Paper | Code |\r\n|---|---|---|---|---|\r\n"
            "| SeCo | Seasonal Contrast | ICCV2021 | [Paper](https://arxiv.org/abs/2103.16607) | none |\r\n"
            "| X | Another Paper | CVPR2022 | [Paper](https://arxiv.org/abs/2201.00001) | none |")
    source.write_bytes(text.encode())
    result = run("add", "2306.11029", "--source", str(source), "--in-place", "--db", str(tmp_path / "n.db"))
    assert result.exit_code == 0, result.stderr
    row = (f"| RemoteCLIP | {REMOTECLIP_TITLE} | TGRS2024 | [Paper](https://doi.org/{REMOTECLIP_DOI})"
           " | none |")
    assert source.read_bytes().decode() == text + "\r\n" + row  # no final newline, as before


@pytest.mark.parametrize("text, kind, value", [
    ("2306.11029", "arxiv", "2306.11029"),
    ("arXiv:2306.11029v2", "arxiv", "2306.11029"),
    ("https://arxiv.org/pdf/2306.11029.pdf", "arxiv", "2306.11029"),
    ("arxiv.org/abs/2306.11029v1", "arxiv", "2306.11029"),
    ("https://doi.org/10.48550/arXiv.2306.11029", "arxiv", "2306.11029"),
    ("10.1109/TGRS.2024.3390838", "doi", REMOTECLIP_DOI),
    ("doi:10.1109/tgrs.2024.3390838", "doi", REMOTECLIP_DOI),
    ("https://dx.doi.org/10.1109/TGRS.2024.3390838", "doi", REMOTECLIP_DOI),
    ("https://www.mdpi.com/2072-4292/14/22/5675", "mdpi", "10.3390/rs14225675"),
])
def test_identifiers_it_reads(text, kind, value):
    link = read_identifier(text)
    assert link.kind == kind and value in (link.arxiv_id, link.doi)


@pytest.mark.parametrize("text", ["", "RemoteCLIP", "2306", "https://github.com/x/y", "10.1109"])
def test_identifiers_it_refuses(text):
    with pytest.raises(AddError):
        read_identifier(text)


@pytest.mark.parametrize("title, name", [
    ("RemoteCLIP: A Vision Language Foundation Model", "RemoteCLIP"),
    ("Cross-Scale MAE: A Tale of Multiscale Exploitation", "Cross-Scale MAE"),
    ("Remote Sensing ChatGPT: Solving Remote Sensing Tasks", None),
    ("one thing: lower-case words are no name", None),
    ("Seasonal Contrast Without A Colon", None),
])
def test_abbreviation_from_the_titles_name(title, name):
    assert abbreviation_of(title) == name


def test_labels_in_the_lists_style():
    published = WorkRecord("T", venue="IEEE Transactions on Geoscience and Remote Sensing",
                           type="journal-article", year=2024)
    assert list_label(published) == ("TGRS2024", None)
    assert list_label(WorkRecord("T", year=2023, arxiv_id="2306.03831"))[0] == "Arxiv2023"
    assert list_label(WorkRecord("T", year=2023, doi="10.2139/ssrn.1"))[0] == "Preprint2023"
    label, warning = list_label(WorkRecord("T", venue="Journal of Nowhere", type="journal-article", year=2022))
    assert label == "Journal of Nowhere 2022" and "no list-style label" in warning


def test_a_title_with_no_name_gets_the_lists_dash_and_its_usual_link_word(api, tmp_path):
    result = run("add", "2305.13456", "-c", "vision", "--allow-duplicate", "--db", str(tmp_path / "n.db"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ("|**-**|**Revisiting Pre-trained Remote Sensing Model Benchmarks: Resizing and "
                             "Normalization Matters**|CVPRW2024|[Paper](https://arxiv.org/abs/2305.13456)|null|\n")
    assert result.stderr.count("warning:") == 2  # listed in benchmark and survey: allowed, named


def test_a_doi_no_source_holds_is_asked_once_and_not_searched_by_an_empty_title(api, tmp_path):
    result = run("add", "10.9999/nothing", "-c", "vision", "--db", str(tmp_path / "n.db"))
    assert result.exit_code == 1 and result.stdout == ""
    assert "not added: unresolved: Crossref has no record of 10.9999/nothing" in result.stderr
    # The DOI looked up (in a batch, then alone to tell a 404 from a bad day); no search at all.
    assert api.counts()["crossref"] == 2 and api.counts()["arxiv"] == 0


def test_a_listed_id_is_refused_before_any_request(api, synced_db, tmp_path):
    result = run("add", "2312.10115", "--db", str(tmp_path / "none.db"))
    assert api.counts() == {}  # the rows' own links say it: no service is asked
    assert result.exit_code == 1 and result.stdout == ""
    named = [line for line in result.stderr.splitlines() if "already cites" in line]
    assert [":60:" in named[0], ":103:" in named[1]] == [True, True] and len(named) == 2
    # SpectralGPT's row links its arXiv id; the library's work for it holds the DOI.
    by_library = run("add", "10.1109/tpami.2024.3362475", "--db", str(synced_db))
    assert api.counts() == {}
    assert by_library.exit_code == 1
    assert ":59: table vision already cites this paper (DOI 10.1109/tpami.2024.3362475)" in by_library.stderr


def test_allow_duplicate_still_resolves_the_paper_for_another_table(api, tmp_path):
    result = run("add", "2312.10115", "-c", "vision-language", "--allow-duplicate",
                 "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 0, result.stderr
    assert sum(api.counts().values()) > 0 and "SkySense" in result.stdout
