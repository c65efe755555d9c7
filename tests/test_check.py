"""rsbib check: findings worked out by hand, and --fix changing only the cells it fixes."""

import json

from rsbib.lists.cells import cell_spans
from rsbib.lists.parse import embedded_list_text, parse
from tests.conftest import ROOT, run

SHIPPED = str(ROOT / "library.db")


def findings(*args):
    result = run("check", "--db", SHIPPED, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def of(found, line, kind):
    return [f for f in found if f["line"] == line and f["kind"] == kind]


def test_stale_venues_get_a_label_in_the_lists_style():
    found = findings()
    for line, label in [(67, "TGRS2024"), (55, "TGRS2024"), (90, "AAAI2025"), (46, "JSTARS2025")]:
        [f] = of(found, line, "stale-venue")
        assert f["suggested"] == label and f["current"].startswith("Arxiv"), f
    assert of(found, 90, "stale-venue")[0]["abbreviation"] == "SatCLIP"
    assert not of(found, 16, "stale-venue")  # TGRS2021 is a venue, not a stale preprint label
    assert not of(found, 60, "stale-venue")  # SkySense: CVPR2024 in this table


def test_renamed_titles_show_both():
    found = findings()
    [spectral] = of(found, 59, "title")
    assert spectral["current"] == "SpectralGPT: Spectral Foundation Model"
    assert spectral["suggested"] == "SpectralGPT: Spectral Remote Sensing Foundation Model"
    for line in (52, 104):
        [fomo] = of(found, line, "title")
        assert fomo["suggested"] == ("FoMo: Multi-Modal, Multi-Scale and Multi-Task Remote Sensing "
                                     "Foundation Models for Forest Monitoring")
    assert not of(found, 24, "title")  # RingMo: differs only in case


def test_links_duplicates_unresolved_and_code():
    found = findings()
    [link] = of(found, 67, "preprint-link")
    assert link["current"] == "https://arxiv.org/abs/2306.11029"
    assert link["suggested"] == "https://doi.org/10.1109/tgrs.2024.3390838"
    [dup] = of(found, 60, "duplicate")
    assert dup["reason"] == "also listed in benchmark"
    [unresolved] = of(found, 23, "unresolved")
    assert unresolved["abbreviation"] == "GeCo" and "no candidate" in unresolved["reason"]
    assert of(found, 60, "no-code")[0]["current"] == "Comming soon"
    assert of(found, 22, "no-code")[0]["current"] == "null"
    assert not of(found, 90, "no-code")  # "[Comming soon](https://github.com/...)" is a link
    assert not of(found, 135, "no-code")  # the survey table has no code column
    assert not [f for f in found if f["line"] == 80]  # Seg2Sat: a project, with its code
    assert set(found[0]) == {"line", "category", "abbreviation", "kind", "current", "suggested",
                             "reason"}


def test_text_report_is_grouped_by_table():
    text = run("check", "--db", SHIPPED).stdout
    assert text.index("[vision]") < text.index("[vision-language]") < text.index("[survey]")
    assert "line 67 RemoteCLIP: stale-venue: 'Arxiv2023' -> 'TGRS2024'" in text


def test_fix_changes_only_the_suggested_cells(tmp_path):
    fixed_path = tmp_path / "FIXED.md"
    result = run("check", "--db", SHIPPED, "--fix", "-o", str(fixed_path))
    assert result.exit_code == 0 and "cells fixed" in result.stderr
    original, fixed = embedded_list_text(), fixed_path.read_text()
    fixable = {(f["line"], f["kind"]): f for f in findings()
               if f["kind"] in ("stale-venue", "title", "preprint-link")}
    before, after = original.splitlines(keepends=True), fixed.splitlines(keepends=True)
    assert len(before) == len(after)
    rows = {r.line: r for r in parse(original).rows}
    roles = {"stale-venue": "publication", "title": "title", "preprint-link": "paper"}
    for number, (old, new) in enumerate(zip(before, after), 1):
        if old == new:
            continue
        targets = {rows[number].columns[roles[kind]] for (line, kind) in fixable if line == number}
        assert targets, f"line {number} changed without a finding"
        old_cells = [old[a:b] for a, b in cell_spans(old)]
        new_cells = [new[a:b] for a, b in cell_spans(new)]
        for position, (o, n) in enumerate(zip(old_cells, new_cells)):
            assert (o == n) or position in targets, (number, position)
    reparsed = parse(fixed)
    assert len(reparsed.rows) == 93
    assert [(r.category, r.line) for r in reparsed.rows] == [(r.category, r.line) for r in parse(original).rows]
    by_line = {r.line: r for r in reparsed.rows}
    assert by_line[67].publication == "TGRS2024"
    assert by_line[67].paper_url == "https://doi.org/10.1109/tgrs.2024.3390838"
    assert by_line[59].title == "SpectralGPT: Spectral Remote Sensing Foundation Model"
    assert "**SpectralGPT: Spectral Remote Sensing Foundation Model**" in after[58]


def test_fix_only_one_kind_and_in_place(tmp_path):
    source = tmp_path / "list.md"
    source.write_text(embedded_list_text())
    result = run("check", "--db", SHIPPED, "--source", str(source), "--fix", "-o", str(source))
    assert result.exit_code == 2 and "--in-place" in result.stderr
    result = run("check", "--db", SHIPPED, "--source", str(source), "--fix", "--in-place",
                 "--only", "stale-venue")
    assert result.exit_code == 0
    rows = {r.line: r for r in parse(source.read_text()).rows}
    assert rows[67].publication == "TGRS2024"
    assert rows[67].paper_url == "https://arxiv.org/abs/2306.11029"  # links left alone
    assert rows[59].title == "SpectralGPT: Spectral Foundation Model"  # titles left alone
    assert run("check", "--db", SHIPPED, "--fix").exit_code == 2  # where to write?


def test_fail_on_gates_and_a_fixed_copy_passes(tmp_path):
    copy = tmp_path / "README.md"
    copy.write_text(embedded_list_text())
    gate = ("check", "--db", SHIPPED, "--source", str(copy), "--fail-on", "stale-venue")
    result = run(*gate)
    assert result.exit_code == 1 and "findings of kinds named by --fail-on" in result.stderr
    assert "stale-venue" in result.stdout  # the report is still printed
    assert run("check", "--db", SHIPPED, "--source", str(copy)).exit_code == 0  # a report by default
    assert run("check", "--db", SHIPPED, "--source", str(copy), "--fix", "--in-place").exit_code == 0
    result = run(*gate)
    assert result.exit_code == 0, result.output
    assert "not in" not in result.stderr  # every fixed row was still judged against the library
    assert run(*gate, "--fail-on", "title", "--fail-on", "preprint-link").exit_code == 0
    assert run(*gate, "--fail-on", "duplicate").exit_code == 1  # the fixes do not touch duplicates
    assert run("check", "--db", SHIPPED, "--source", str(copy), "--fail-on", "any").exit_code == 1


def test_only_filters_the_report():
    found = findings("--only", "duplicate", "--only", "no-code")
    assert {f["kind"] for f in found} == {"duplicate", "no-code"}
    assert len(found) == len([f for f in findings() if f["kind"] in ("duplicate", "no-code")])
    text = run("check", "--db", SHIPPED, "--only", "title").stdout
    assert "title:" in text and "stale-venue" not in text and "duplicate" not in text


def test_options_that_do_not_apply_are_refused(tmp_path):
    target = tmp_path / "x.md"
    result = run("check", "--db", SHIPPED, "-o", str(target))
    assert result.exit_code == 2 and "--fix" in result.stderr and not target.exists()
    assert len(result.stderr.strip().splitlines()) == 1
    source = tmp_path / "list.md"
    source.write_text(embedded_list_text())
    assert run("check", "--db", SHIPPED, "--source", str(source), "--in-place").exit_code == 2
    assert source.read_text() == embedded_list_text()
    result = run("check", "--db", SHIPPED, "--only", "stale-venue", "--fail-on", "duplicate")
    assert result.exit_code == 2 and "--only" in result.stderr
    assert run("check", "--db", SHIPPED, "--fail-on", "nonsense").exit_code == 2


def test_rows_the_library_never_saw_are_named(tmp_path):
    source = tmp_path / "list.md"
    source.write_text(embedded_list_text().replace(
        "|**GeoKR**|", "|**New**|**A paper no sync has seen**|Arxiv2024|-|null|\n|**GeoKR**|", 1))
    result = run("check", "--db", SHIPPED, "--source", str(source), "--fail-on", "stale-venue")
    assert result.exit_code == 1
    assert "warning: 1 rows of" in result.stderr and "(first: line 16)" in result.stderr
