"""List history and `rsbib changes`: rows added, removed, moved, edited, and papers published since."""

import json
import sqlite3

from rsbib.lists.changes import compare
from rsbib.lists.history import Version
from rsbib.lists.parse import embedded_list_text, parse
from tests.conftest import run

AGENTS = "\n".join([
    "", "## Remote Sensing <ins>Agents</ins>", "",
    "|Abbreviation|Title|Publication|Paper|Code & Weights|", "|:---:|---|:---:|:---:|:---:|",
    "|**-**|**Remote Sensing ChatGPT: Solving Remote Sensing Tasks with ChatGPT and Visual Models**"
    "|Arxiv2024|[Paper](https://arxiv.org/abs/2401.09083)|[link](https://github.com/HaonanGuo/Remote-Sensing-ChatGPT)|",
    "|**SkyEyeGPT**|**SkyEyeGPT: Unifying Remote Sensing Vision-Language Tasks via Instruction Tuning with "
    "Large Language Model**|Arxiv2024|[Paper](https://arxiv.org/abs/2401.09712)|null|",
    "|**EarthGPT**|**EarthGPT: A Universal Multi-modal Large Language Model for Multi-sensor Image "
    "Comprehension in Remote Sensing Domain**|Arxiv2024|[Paper](https://arxiv.org/abs/2401.16822)|null|",
    ""])


def edited_list() -> str:
    """The embedded list with 3 rows added (a new table), 2 removed (GASSL, GeoChat), 1 relabelled."""
    lines = embedded_list_text().splitlines(keepends=True)
    assert lines[66].startswith("|**RemoteCLIP**") and "|Arxiv2023|" in lines[66]
    lines[66] = lines[66].replace("|Arxiv2023|", "|TGRS2024|")
    assert lines[17].startswith("|**GASSL**") and lines[67].startswith("|**GeoChat**")
    del lines[67], lines[17]
    at = next(i for i, line in enumerate(lines) if line.startswith("## Benchmarks"))
    return "".join(lines[:at]) + AGENTS + "\n" + "".join(lines[at:])


def changes_json(db, *args):
    result = run("changes", "--db", str(db), "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_changes_report_exactly_the_rows_added_removed_and_relabelled(api, library_copy, tmp_path):
    listed = tmp_path / "list.md"
    listed.write_text(edited_list())
    assert len(parse(listed.read_text()).rows) == 93 + 3 - 2
    result = run("sync", "--db", str(library_copy), "--source", str(listed))
    assert result.exit_code == 0, result.output
    found = changes_json(library_copy)
    assert (found["from"]["run"], found["to"]["run"]) == (1, 2)
    assert [(r["category"], r["abbreviation"] or r["title"][:24]) for r in found["added"]] == [
        ("agents", "Remote Sensing ChatGPT: "), ("agents", "SkyEyeGPT"), ("agents", "EarthGPT")]
    assert [(r["abbreviation"], r["category"], r["kept"]) for r in found["removed"]] == [
        ("GASSL", "vision", True), ("GeoChat", "vision-language", True)]
    [relabelled] = found["edited"]
    assert relabelled["abbreviation"] == "RemoteCLIP"
    assert relabelled["changes"] == {"label": ["Arxiv2023", "TGRS2024"]}
    assert found["moved"] == [] and found["published"] == []

    markdown = run("changes", "--db", str(library_copy), "--format", "markdown").stdout
    assert "### Added (3)" in markdown and "### Removed (2)" in markdown
    assert "- **[RemoteCLIP](https://arxiv.org/abs/2306.11029)**: Remote Sensing Vision-Language " \
           "Foundation Models: label: Arxiv2023 -> TGRS2024" in markdown
    assert "GASSL" in run("changes", "--db", str(library_copy)).stdout

    # A sync of the same list records nothing new; `--since 1` still compares with run 1.
    assert run("sync", "--db", str(library_copy), "--source", str(listed)).exit_code == 0
    assert sqlite3.connect(library_copy).execute("SELECT count(*) FROM list_versions").fetchone() == (2,)
    assert changes_json(library_copy, "--since", "1")["edited"] == found["edited"]
    assert changes_json(library_copy, "--since", "2")["added"] == []
    assert len(changes_json(library_copy, "--since", "2000-01-01")["added"]) == 94


def test_a_preprint_published_since_is_reported(library_copy):
    # What a later --refresh would learn if BFM (a preprint in the snapshot) were published at CVPR.
    conn = sqlite3.connect(library_copy)
    conn.execute("UPDATE works SET type = 'proceedings-article', doi = '10.5555/not-a-real-doi', "
                 "venue = 'CVPR', year = 2024 WHERE arxiv_id = '2304.05215'")
    conn.commit()
    conn.close()
    assert run("sync", "--db", str(library_copy), "--offline").exit_code == 0
    found = changes_json(library_copy)
    [published] = found["published"]
    assert (published["line"], published["abbreviation"], published["venue"], published["year"]) == (
        30, "BFM", "CVPR", 2024)
    assert found["added"] == found["removed"] == found["edited"] == found["moved"] == []
    assert "### Published since (1)" in run("changes", "--db", str(library_copy), "--format",
                                            "markdown").stdout


def row(key, category, title, **more):
    return {"row_key": key, "category": category, "line": 1, "title": title, **more}


def test_moves_and_edits_pair_rows_by_their_paper():
    old = Version(1, 1, "t1", "list", [
        row("a", "vision", "SeCo", paper_url="https://x/seco", citekey="manas2021seasonal"),
        row("b", "vision", "Old title", paper_url="https://x/p", citekey="k2"),
        row("c", "survey", "A survey", publication="Arxiv2023"),
        row("d", "vision", "Gone")])
    new = Version(2, 2, "t2", "list", [
        row("a2", "dataset", "SeCo", paper_url="https://x/seco", citekey="manas2021seasonal"),
        row("b2", "vision", "New title", paper_url="https://x/p", citekey="k2"),
        row("c", "survey", "A survey", publication="TGRS2024"),
        row("e", "vision", "Fresh")])
    found = compare(old, new)
    assert [(m["title"], m["from_category"], m["category"]) for m in found.moved] == [
        ("SeCo", "vision", "dataset")]
    assert {e["title"]: e["changes"] for e in found.edited} == {
        "New title": {"title": ["Old title", "New title"]},
        "A survey": {"label": ["Arxiv2023", "TGRS2024"]}}
    assert [r["title"] for r in found.added] == ["Fresh"]
    assert [(r["title"], r["kept"]) for r in found.removed] == [("Gone", False)]


def test_changes_needs_a_synced_library(tmp_path):
    assert run("changes", "--db", str(tmp_path / "none.db")).exit_code == 2


def test_since_names_a_run_or_a_date(library_copy):
    db = str(library_copy)
    for bad in ("99", "last week"):
        result = run("changes", "--db", db, "--since", bad)
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1, result.output
    assert changes_json(library_copy, "--since", "2999-01-01T00:00:00+02:00")["added"] == []
    assert len(changes_json(library_copy, "--since", "1")["added"]) == 0
