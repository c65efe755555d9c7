"""Rows that disappear from the list are kept and marked no longer listed; only --prune deletes them."""

import json
import sqlite3

from rsbib.lists.parse import embedded_list_text
from tests.conftest import run
from tests.test_datasette import rows as datasette_rows
from tests.test_library import keys


def shortened(tmp_path):
    """The embedded list without GASSL (line 18) and the benchmark's SkySense row (line 103)."""
    lines = embedded_list_text().splitlines(keepends=True)
    assert lines[17].startswith("|**GASSL**") and lines[102].startswith("|**SkySense**")
    del lines[102], lines[17]
    path = tmp_path / "list.md"
    path.write_text("".join(lines))
    return path


def table_counts(db):
    conn = sqlite3.connect(db)
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("entries", "works", "corrections")}


def test_rows_gone_from_the_list_are_kept_marked_and_come_back(api, library_copy, tmp_path):
    db = str(library_copy)
    assert run("pin", "68", "--set", "venue=CVPR", "--db", db).exit_code == 0  # a correction to keep
    before, keys_before = table_counts(library_copy), keys(library_copy)
    result = run("sync", "--db", db, "--source", str(shortened(tmp_path)))
    assert result.exit_code == 0, result.output
    assert "2 rows are no longer in the list: kept" in result.stderr
    assert sum(api.counts().values()) == 0  # nothing to ask
    assert table_counts(library_copy) == before and keys(library_copy) == keys_before
    conn = sqlite3.connect(library_copy)
    gone = conn.execute("SELECT abbreviation, category, unlisted_run FROM entries WHERE listed = 0 "
                        "ORDER BY line").fetchall()
    assert gone == [("GASSL", "vision", 2), ("SkySense", "benchmark", 2)]

    status = json.loads(run("status", "--db", db, "--json").stdout)
    assert (status["rows"], status["unlisted"], status["categories"]["benchmark"]["rows"]) == (91, 2, 4)
    assert "2 rows are no longer in the list" in run("status", "--db", db).output
    check = json.loads(run("check", "--db", db, "--source", str(tmp_path / "list.md"),
                           "--format", "json").stdout)
    assert not [f for f in check if f["kind"] == "duplicate" and f["abbreviation"] == "SkySense"]
    removed = json.loads(run("changes", "--db", db, "--format", "json").stdout)["removed"]
    assert [(r["abbreviation"], r["kept"]) for r in removed] == [("GASSL", True), ("SkySense", True)]
    listed = datasette_rows(library_copy, f"/{library_copy.stem}/no_longer_listed.json?_shape=array")
    assert [(r["abbreviation"], r["citekey"]) for r in listed] == [
        ("GASSL", "ayush2021geographyaware"), ("SkySense", "guo2023skysense")]

    exported = run("export", "--db", db).stdout  # the bibliography follows the list
    assert "@misc{ayush2021geographyaware," not in exported and "ayush2021geographyaware" not in exported
    assert "guo2023skysense," in exported  # still cited by the vision table's row
    cited = run("export", "--db", db, "--keys", "ayush2021geographyaware")  # a document still cites it
    assert cited.exit_code == 0 and "ayush2021geographyaware," in cited.stdout

    result = run("sync", "--db", db)  # the full list again: the rows are back as they were
    assert result.exit_code == 0 and sum(api.counts().values()) == 0
    assert conn.execute("SELECT count(*) FROM entries WHERE listed = 0").fetchone() == (0,)
    assert keys(library_copy) == keys_before and table_counts(library_copy) == before
    assert conn.execute("SELECT venue FROM works WHERE citekey = 'kuckreja2024geochat'").fetchone() == ("CVPR",)


def test_prune_deletes_the_rows_no_longer_listed_and_nothing_else(api, library_copy, tmp_path):
    db = str(library_copy)
    keys_before = keys(library_copy)
    source = str(shortened(tmp_path))
    assert run("sync", "--db", db, "--source", source).exit_code == 0
    result = run("sync", "--db", db, "--source", source, "--prune")
    assert result.exit_code == 0, result.output
    assert "2 rows no longer in the list were deleted (--prune)" in result.stderr
    after = keys(library_copy)
    assert len(after) == 91 and all(keys_before[k] == v for k, v in after.items())
    counts = table_counts(library_copy)
    assert (counts["entries"], counts["works"]) == (91, 76)  # works and their keys stay
    assert json.loads(run("status", "--db", db, "--json").stdout)["unlisted"] == 0
    removed = json.loads(run("changes", "--db", db, "--format", "json", "--since", "1").stdout)["removed"]
    assert [r["kept"] for r in removed] == [False, False]
