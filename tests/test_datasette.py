"""Browsing a library with Datasette and rsbib's plugin, through Datasette's own client."""

import asyncio
import json
import re
import sqlite3
import sys
import time
from pathlib import Path

import bibtexparser
import pytest

from rsbib.store.library import SCHEMA_VERSION, Library
from rsbib.web.serve import datasette_for
from rsbib.web.shipped import metadata

from .conftest import run
from .serving import served


def get(db, *paths, live=False):
    async def fetch():
        ds = datasette_for(db, live=live)
        return [await ds.client.get(path) for path in paths]

    responses = asyncio.run(fetch())
    return responses if len(paths) > 1 else responses[0]


def rows(db, path, live=False):
    response = get(db, path, live=live)
    assert response.status_code == 200, response.text
    return response.json()


def bib_keys(text):
    parsed = bibtexparser.parse_string(text)
    assert not parsed.failed_blocks
    return [e.key for e in parsed.entries]


def entries(text):
    """Each entry's text by key (the order is the whole library's export order)."""
    blocks = ["@" + b.strip() for b in text.split("\n@")]
    return {bib_keys(b)[0]: b.lstrip("@").strip() for b in blocks}


def export(db, *args):
    result = run("export", "--db", str(db), *args)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("fmt,extension", [("bibtex", "bib"), ("biblatex", "biblatex"),
                                           ("csl-json", "csljson")])
def test_papers_in_every_format_is_the_export(synced_db, fmt, extension):
    response = get(synced_db, f"/{synced_db.stem}/papers.{extension}")
    assert response.status_code == 200
    assert response.text == export(synced_db, "--format", fmt)


@pytest.mark.parametrize("page", [
    "papers.bib?categories__arraycontains=survey",
    "papers_of_category.bib?category=survey",
    "papers_of_category.bib?category=Survey+Papers",
    "papers_of_category.bib?category=surv",
])
def test_survey_in_the_browser_is_the_survey_export(synced_db, page):
    expected = export(synced_db, "--category", "survey")
    response = get(synced_db, f"/{synced_db.stem}/{page}")
    assert response.status_code == 200
    assert entries(response.text) == entries(expected)  # same keys, fields and escaping


def test_survey_facet_counts_every_row_of_the_table(synced_db):
    survey = bib_keys(export(synced_db, "--category", "survey"))
    data = rows(synced_db, f"/{synced_db.stem}/papers.json?_size=0")
    facet = {f["value"]: f["count"] for f in data["facet_results"]["categories"]["results"]}
    assert facet["survey"] == len(survey)
    shown = rows(synced_db, f"/{synced_db.stem}/papers.json?_shape=array&_size=max"
                            "&categories__arraycontains=survey")
    assert "unresolved" in {r["status"] for r in shown}  # rows with no paper are listed too


def test_bib_holds_every_row_not_only_the_first_page(synced_db):
    whole = get(synced_db, f"/{synced_db.stem}/papers.bib?_size=5").text
    assert whole == export(synced_db)


def test_bib_of_a_table_page_and_of_a_search(synced_db):
    skysense = get(synced_db, f"/{synced_db.stem}/works.bib?_search=SkySense")
    assert bib_keys(skysense.text) == ["guo2023skysense"]
    assert 'filename="works.bib"' in skysense.headers["content-disposition"]
    unresolved = get(synced_db, f"/{synced_db.stem}/entries.bib?status=unresolved")
    assert len(bib_keys(unresolved.text)) == 6
    not_a_list = get(synced_db, f"/{synced_db.stem}/categories.bib")
    assert not_a_list.status_code == 400  # a page that lists no works has no BibTeX


def test_a_works_page_shows_its_bibtex(synced_db):
    work = rows(synced_db, f"/{synced_db.stem}/works.json?_shape=array&citekey=guo2023skysense")[0]
    page = get(synced_db, f"/{synced_db.stem}/works/{work['id']}").text
    shown = re.search(r'<pre id="rsbib-bibtex"[^>]*>(.*?)</pre>', page, re.S).group(1)
    entry = export(synced_db, "--category", "vision").split("@")
    expected = next("@" + e.strip() for e in entry if e.startswith("inproceedings{guo2023skysense"))
    assert shown.strip() == expected.replace("&", "&amp;").replace("'", "&#39;").strip()


def test_stemmed_search_finds_every_foundation_model_title(synced_db):
    conn = sqlite3.connect(synced_db)
    titled = {r[0] for r in conn.execute("SELECT citekey FROM works") if False} | {
        key for key, title in conn.execute("SELECT citekey, title FROM works")
        if re.search(r"foundation models?\b", title, re.I)}
    assert len(titled) >= 20
    found = rows(synced_db, f"/{synced_db.stem}/papers.json?_shape=array&_size=max"
                            "&_search=foundation+model")
    assert titled <= {r["citekey"] for r in found}
    entries = rows(synced_db, f"/{synced_db.stem}/entries.json?_search=SkySense&_shape=array")
    assert len(entries) == 2


def test_one_search_box_searches_papers_and_rows(synced_db):
    home = get(synced_db, "/").text
    assert 'action="/-/search"' in home and f'href="/{synced_db.stem}/papers"' in home
    page = get(synced_db, "/-/search?q=SkySense").text
    assert "guo2023skysense" in page
    assert "2 rows of the list" in page


def test_papers_are_newest_first_with_links(synced_db):
    papers = rows(synced_db, f"/{synced_db.stem}/papers.json?_shape=array&_size=max")
    years = [p["year"] or 0 for p in papers if p["work_id"]]
    assert years == sorted(years, reverse=True)
    skysense = [p for p in papers if p["citekey"] == "guo2023skysense"][0]
    assert json.loads(skysense["categories"]) == ["vision", "benchmark"]  # in table order
    html = get(synced_db, f"/{synced_db.stem}/papers?citekey=guo2023skysense").text
    work_id = [p for p in papers if p["citekey"] == "guo2023skysense"][0]["work_id"]
    assert 'href="https://doi.org/10.1109/cvpr52733.2024.02613"' in html
    assert 'href="https://arxiv.org/abs/2312.10115"' in html
    assert f'href="/{synced_db.stem}/works/{work_id}">guo2023skysense</a>' in html
    assert "categories__arraycontains=benchmark" in html


def test_category_query_names_the_valid_tables(synced_db):
    answer = rows(synced_db, f"/{synced_db.stem}/papers_of_category.json?_shape=array"
                             "&category=nonsense")
    assert len(answer) == 1 and answer[0]["status"] == "no match"
    assert "survey" in answer[0]["title"] and "benchmark" in answer[0]["title"]
    vague = rows(synced_db, f"/{synced_db.stem}/papers_of_category.json?_shape=array&category=v")
    assert [r["status"] for r in vague] == ["no match"]  # several tables start with "v"


def test_stale_venues_suggest_the_label_check_suggests(synced_db):
    result = run("check", "--db", str(synced_db), "--format", "json")
    suggested = {(f["line"], f["suggested"]) for f in json.loads(result.stdout)
                 if f["kind"] == "stale-venue"}
    shown = rows(synced_db, f"/{synced_db.stem}/stale_venues.json?_shape=array")
    assert {(r["line"], r["suggested_label"]) for r in shown} == suggested
    html = get(synced_db, f"/{synced_db.stem}/stale_venues").text
    assert 'href="https://doi.org/' in html and f'href="/{synced_db.stem}/entries/' in html


@pytest.mark.parametrize("query,params,check", [
    ("needs_attention", "", lambda r: {x["status"] for x in r} == {"unresolved"} and len(r) == 6),
    ("in_several_tables", "", lambda r: "guo2023skysense" in {x["citekey"] for x in r}),
])
def test_canned_queries_answer(synced_db, query, params, check):
    result = rows(synced_db, f"/{synced_db.stem}/{query}.json?_shape=array&{params}")
    assert check(result), result


def test_internal_tables_and_columns_stay_out_of_the_way(synced_db):
    tables = {t["name"]: t for t in rows(synced_db, f"/{synced_db.stem}.json")["tables"]}
    hidden = {name for name, t in tables.items() if t["hidden"]}
    assert {"responses", "sync_runs", "work_authors", "works_fts", "entries_fts"} <= hidden
    assert not {"works", "entries", "categories"} & hidden
    redirect = get(synced_db, f"/{synced_db.stem}/entries?status=resolved")
    assert redirect.status_code == 302
    location = redirect.headers["location"]
    assert "status=resolved" in location and "_nocol=row_key" in location
    assert get(synced_db, f"/{synced_db.stem}/entries?_col=title").status_code == 200


def test_facets_answer(synced_db):
    data = rows(synced_db, f"/{synced_db.stem}/entries.json?_facet=status&_facet=category&_size=0")
    status = {f["value"]: f["count"] for f in data["facet_results"]["status"]["results"]}
    assert status == {"resolved": 86, "unresolved": 6, "not-a-paper": 1}
    works = rows(synced_db, f"/{synced_db.stem}/works.json?_size=0")
    assert set(works["facet_results"]) >= {"type", "year", "venue"}  # from the shipped metadata


def test_metadata_names_only_what_exists(synced_db):
    described = metadata(synced_db)["databases"][synced_db.stem]["tables"]
    conn = sqlite3.connect(synced_db)
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE '%_fts%'")]
    assert set(tables) == set(described)
    for table in tables:
        columns = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        assert set(described[table].get("columns", {})) <= columns, table
        assert described[table]["description"], table


def test_an_older_library_gets_stemmed_search_and_the_papers_table(library_copy):
    conn = sqlite3.connect(library_copy)
    conn.executescript("""
        DROP TABLE papers;
        CREATE VIEW papers AS SELECT id, citekey FROM works;
        PRAGMA user_version = 3;""")
    conn.close()
    import sqlite_utils

    db = sqlite_utils.Database(library_copy)
    db["works"].disable_fts()
    db["works"].enable_fts(["title", "authors", "venue", "abstract"], create_triggers=True)
    count = "SELECT count(*) FROM works_fts WHERE works_fts MATCH 'models'"
    unstemmed = db.execute(count).fetchone()[0]
    db.close()
    Library(library_copy).close()
    db = sqlite_utils.Database(library_copy)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute(count).fetchone()[0] > unstemmed  # "models" now finds "model" too
    assert "categories" in db["papers"].columns_dict
    assert db["papers"].count == 83  # 76 works and 7 rows with no work


def test_papers_follow_a_change_once_the_writer_closes(library_copy):
    library = Library(library_copy)
    library.db.execute("UPDATE works SET year = 2031 WHERE citekey = 'guo2023skysense'")
    library.close()
    first = rows(library_copy, f"/{library_copy.stem}/papers.json?_shape=array&_size=1")[0]
    assert (first["citekey"], first["year"]) == ("guo2023skysense", 2031)


@pytest.mark.slow
def test_serve_runs_without_the_venv_on_path_and_leaves_the_file_as_it_was(tmp_path):
    import hashlib
    import shutil
    import urllib.request

    db = tmp_path / "library.db"
    shutil.copy(Path(__file__).parent.parent / "library.db", db)  # the shipped file
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    with served(db) as (url, process):
        papers = json.load(urllib.request.urlopen(f"{url}library/papers.json?_shape=array"))
        assert any(p["citekey"] == "guo2023skysense" for p in papers)
    out, err = process.communicate()
    assert f"on {url}" in err and "read-only" in err
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["library.db"]  # nothing left behind


@pytest.mark.slow
def test_serve_open_opens_the_browser_at_the_address(library_copy, tmp_path):
    opened = tmp_path / "opened.txt"
    browser = f"{sys.executable} -c \"import sys; open('{opened}', 'w').write(sys.argv[1])\" %s"
    with served(library_copy, "--open", env={"BROWSER": browser}) as (url, _process):
        deadline = time.monotonic() + 30
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert opened.read_text() == url


def test_serve_refuses_what_is_not_a_library(tmp_path):
    (tmp_path / "notes.db").write_text("not sqlite")
    result = run("serve", "--db", str(tmp_path / "notes.db"))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "notes.db" in result.stderr


def test_while_a_sync_writes_the_file_is_served_live(library_copy):
    from rsbib.web.serve import being_written

    writer = sqlite3.connect(library_copy)
    writer.execute("PRAGMA journal_mode = wal")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("UPDATE works SET title = 'Renamed while serving' WHERE citekey = 'guo2023skysense'")
    writer.commit()
    try:
        assert being_written(library_copy)
        found = rows(library_copy, f"/{library_copy.stem}/works.json?_shape=array"
                                   "&citekey=guo2023skysense", live=True)
        assert found[0]["title"] == "Renamed while serving"
    finally:
        writer.close()
