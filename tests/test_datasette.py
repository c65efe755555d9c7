"""Browsing library.db with Datasette and the shipped metadata, through Datasette's own client."""

import asyncio

import pytest
from datasette.app import Datasette

from rsbib.browse import datasette_args, metadata


def get(db, path):
    async def fetch():
        ds = Datasette([str(db)], metadata=metadata(db))
        return await ds.client.get(path)

    return asyncio.run(fetch())


def rows(db, path):
    response = get(db, path)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("query,params,check", [
    ("papers_of_category", "category=survey", lambda r: len(r) == 10),
    ("needs_attention", "", lambda r: {x["status"] for x in r} == {"unresolved"} and len(r) == 7),
    ("stale_venues", "", lambda r: {x["abbreviation"] for x in r} >= {"RemoteCLIP", "GeRSP", "SatCLIP"}),
    ("in_several_tables", "", lambda r: "guo2023skysense" in {x["citekey"] for x in r}),
])
def test_canned_queries_answer(synced_db, query, params, check):
    result = rows(synced_db, f"/{synced_db.stem}/{query}.json?_shape=array&{params}")
    assert check(result), result


def test_facets_answer(synced_db):
    data = rows(synced_db, f"/{synced_db.stem}/entries.json?_facet=status&_facet=category&_size=0")
    status = {f["value"]: f["count"] for f in data["facet_results"]["status"]["results"]}
    assert status == {"resolved": 85, "unresolved": 7, "not-a-paper": 1}
    works = rows(synced_db, f"/{synced_db.stem}/works.json?_size=0")
    assert set(works["facet_results"]) >= {"type", "year", "venue"}  # from the shipped metadata


def test_search_finds_skysense(synced_db):
    found = rows(synced_db, f"/{synced_db.stem}/works.json?_search=SkySense&_shape=array")
    assert [w["citekey"] for w in found] == ["guo2023skysense"]
    entries = rows(synced_db, f"/{synced_db.stem}/entries.json?_search=SkySense&_shape=array")
    assert len(entries) == 2


def test_foreign_keys_show_titles_and_the_papers_view(synced_db):
    data = rows(synced_db, f"/{synced_db.stem}/entries.json?_labels=on&_shape=array&line=67")
    assert data[0]["work_id"]["label"].startswith("RemoteCLIP")
    papers = rows(synced_db, f"/{synced_db.stem}/papers.json?_shape=array&citekey=guo2023skysense")
    assert papers[0]["categories"] in ("vision,benchmark", "benchmark,vision") and papers[0]["rows"] == 2


def test_metadata_describes_every_column(synced_db):
    import sqlite3

    described = metadata(synced_db)["databases"][synced_db.stem]["tables"]
    conn = sqlite3.connect(synced_db)
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE '%_fts%'")]
    assert set(tables) == set(described)
    for table in tables:
        columns = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        assert columns == set(described[table]["columns"]), table
        assert described[table]["description"], table


def test_serve_command_line():
    args = datasette_args("library.db", "/tmp/m.json", 8001, "127.0.0.1", immutable=True)
    assert args == ["datasette", "serve", "--immutable", "library.db", "--metadata", "/tmp/m.json",
                    "--port", "8001", "--host", "127.0.0.1"]
