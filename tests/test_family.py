"""Lists of the same family work without code changes: new tables, headings and columns.

tests/lists/family.md follows the newer layout of the list: `#` and `##`
tables, a Task column, a table without an Abbreviation column, a table of
projects (not papers) and a survey table without a Code column.
"""

import json
import sqlite3

from rsbib.lists.parse import parse
from tests.conftest import ROOT, run

FAMILY = ROOT / "tests" / "lists" / "family.md"


def rows_by_title():
    return {r.title: r for r in parse(FAMILY.read_text(), str(FAMILY)).rows}


def test_every_table_is_read_with_its_own_columns():
    parsed = parse(FAMILY.read_text(), str(FAMILY))
    assert parsed.problems == []
    assert [(c.slug, c.heading) for c in parsed.categories] == [
        ("vision", "Remote Sensing Vision Foundation Models"),  # a `#` heading
        ("task-specific", "Remote Sensing Task-specific Foundation Models"),
        ("agent", "Remote Sensing Agents"),
        ("benchmark", "Benchmarks for RSFMs"),
        ("dataset", "(Large-scale) Pre-training Datasets"),
        ("relevant-project", "Relevant Projects"),  # a `#` heading, a note, then the table
        ("survey-commentary", "Survey/Commentary Papers")]
    assert len(parsed.rows) == 13
    rows = rows_by_title()
    rsgpt = rows["RSGPT: A Remote Sensing Vision Language Model and Benchmark"]
    assert rsgpt.extra == {"Task": "Image Captioning & Visual Question Answering"}
    agent = rows["Remote Sensing ChatGPT: Solving Remote Sensing Tasks with ChatGPT and Visual Models"]
    assert agent.abbreviation is None and agent.label_year == 2024
    assert agent.code_url == "https://github.com/HaonanGuo/Remote-Sensing-ChatGPT"
    assert rows["GEO-Bench: Toward Foundation Models for Earth Monitoring"].extra == {
        "Downstream Tasks": "Classification & Segmentation"}
    playground = rows["RSFMs (Remote Sensing Foundation Models) Playground"]
    assert playground.extra["Brief Introduction"].startswith("An open-source playground")
    assert (playground.paper_url, playground.code_url) == (None, "https://github.com/synativ/RSFMs")
    hydro = rows["Hydro--A Foundation Model for Water in Satellite Imagery"]  # ****bold**** title
    assert (hydro.publication, hydro.paper_url) == ("-", None)
    survey = rows["Vision-Language Models in Remote Sensing: Current Progress and Future Trends"]
    assert "code" not in survey.columns and survey.extra == {"Attribute": "Vision-Language"}


def test_such_a_list_syncs_checks_and_exports(api, tmp_path):
    db = str(tmp_path / "library.db")
    result = run("sync", "--db", db, "--source", str(FAMILY))
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db)
    status = dict(conn.execute("SELECT title, status FROM entries"))
    projects = ["RSFMs (Remote Sensing Foundation Models) Playground", "Seg2Sat",
                "Hydro--A Foundation Model for Water in Satellite Imagery",
                "PANGAEA: A Global and Inclusive Benchmark for Geospatial Foundation Models"]
    assert {status[t] for t in projects} == {"not-a-paper"}
    papers = [t for t in status if t not in projects]
    assert {status[t] for t in papers} == {"resolved"}, status
    counts = json.loads(run("status", "--db", db, "--json").stdout)
    assert counts["categories"]["relevant-project"]["not-a-paper"] == 2
    assert counts["categories"]["survey-commentary"]["resolved"] == 2

    found = json.loads(run("check", "--db", db, "--source", str(FAMILY), "--format", "json").stdout)
    by_line = {(f["line"], f["kind"]) for f in found}
    assert (11, "no-code") in by_line  # "Targeted open-source" is no link
    assert not [f for f in found if f["kind"] == "no-code"
                and f["category"] in ("survey-commentary", "relevant-project")]
    assert (48, "preprint-link") in by_line  # a survey row is judged like any other paper
    assert not [f for f in found if f["kind"] == "unresolved"]  # projects are not "unresolved"

    bib = run("export", "--db", db).stdout
    assert bib.count("\n@") + bib.startswith("@") == 13
    assert "https://github.com/synativ/RSFMs" in bib
