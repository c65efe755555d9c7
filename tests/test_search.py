"""rsbib search over the shipped library: full text, field filters, formats, exit codes."""

import json
import re
import sqlite3

import bibtexparser
import pytest
import sqlite_utils

from rsbib.search.query import parse_query, search, table
from rsbib.store.library import SEARCHED, Library
from tests.conftest import ROOT, run

SHIPPED = ROOT / "library.db"


def found(*args, db=SHIPPED):
    result = run("search", "--db", str(db), *args, "--format", "keys")
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout.split()


def sql(query, *params):
    conn = sqlite3.connect(SHIPPED)
    try:
        return [r[0] for r in conn.execute(query, params)]
    finally:
        conn.close()


def test_must_show_skysense():
    result = run("search", "--db", str(SHIPPED), "skysense", "--format", "keys")
    assert result.exit_code == 0
    assert result.stdout == "guo2023skysense\n"


def test_words_must_all_match_in_works_or_rows():
    assert set(found("remoteclip")) == {"liu2024remoteclip"}
    both = found("vision", "language")
    assert both and set(both) < set(found("vision")) and set(both) <= set(found("language"))
    # An abbreviation that only the list's row carries still finds the paper.
    abbreviations = sql("SELECT e.abbreviation FROM entries e JOIN works w ON w.id = e.work_id "
                        "WHERE w.citekey = 'sun2023ringmo'")
    assert "sun2023ringmo" in found(abbreviations[0])


def test_field_filters_combine():
    keys = found("author:zhu", "year:2023..2024", "venue:TGRS")
    expected = sql(
        "SELECT citekey FROM works WHERE authors LIKE '%Zhu,%' AND year BETWEEN 2023 AND 2024 "
        "AND venue = 'IEEE Transactions on Geoscience and Remote Sensing'")
    assert keys and sorted(keys) == sorted(expected)


@pytest.mark.parametrize("query,where", [
    ("year:2021", "year = 2021"), ("year:..2020", "year <= 2020"), ("year:2025..", "year >= 2025"),
    ("venue:jstars", "venue LIKE '%Selected Topics in Applied Earth Observations%'"),
    ("venue:geoscience", "venue LIKE '%geoscience%'"),
    ("key:skysense", "citekey LIKE '%skysense%'")])
def test_each_filter_against_the_library(query, where):
    keys = set(found(query))
    assert keys and set(sql(f"SELECT citekey FROM works WHERE {where}")) <= keys


def test_category_filter_and_default_field():
    keys = found("category:survey", "survey")
    in_table = set(sql("SELECT w.citekey FROM entries e JOIN works w ON w.id = e.work_id "
                       "WHERE e.category = 'survey'"))
    assert keys and set(keys) <= in_table
    by_title = found("--field", "title", "survey")
    assert by_title and all("survey" in t.casefold() for t in sql(
        f"SELECT title FROM works WHERE citekey IN ({','.join('?' * len(by_title))})", *by_title))


def test_author_field_is_not_the_title():
    assert found("--field", "author", "skysense") == []
    assert "guo2023skysense" in found("author:guo")


def test_nothing_found_exits_1():
    result = run("search", "--db", str(SHIPPED), "zzzunknownword")
    assert result.exit_code == 1 and result.stdout == ""
    assert "zzzunknownword" in result.stderr


@pytest.mark.parametrize("query,message", [
    ("doi:10.1", "not an arXiv id or a DOI"), ("isbn:1", "unknown field 'isbn'"),
    ("year:20x", "year:20x"), ("category:nosuch", "nosuch"),
    ('""', "empty")])
def test_bad_query_is_one_line_exit_2(query, message):
    result = run("search", "--db", str(SHIPPED), query)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr


def test_bibtex_and_csl_go_through_the_export_code():
    bib = run("search", "--db", str(SHIPPED), "skysense", "--format", "bibtex").stdout
    exported = run("export", "--db", str(SHIPPED), "--keys", "guo2023skysense").stdout
    assert bib == exported
    assert [e.key for e in bibtexparser.parse_string(bib).entries] == ["guo2023skysense"]
    csl = json.loads(run("search", "--db", str(SHIPPED), "skysense", "--format", "csl-json").stdout)
    assert [e["id"] for e in csl] == ["guo2023skysense"]
    biblatex = run("search", "--db", str(SHIPPED), "skysense", "--format", "biblatex").stdout
    assert biblatex == run("export", "--db", str(SHIPPED), "--keys", "guo2023skysense",
                           "--format", "biblatex").stdout


def test_json_and_piped_table():
    data = json.loads(run("search", "--db", str(SHIPPED), "skysense", "--format", "json").stdout)
    assert data[0]["key"] == "guo2023skysense" and data[0]["authors"][0] == "Guo, Xin"
    assert data[0]["doi"] == sql("SELECT doi FROM works WHERE citekey = 'guo2023skysense'")[0]
    piped = run("search", "--db", str(SHIPPED), "author:zhu").stdout.splitlines()
    assert len(piped) == len(found("author:zhu")) > 1
    assert all(len(line.split("\t")) == 5 for line in piped)  # one result a line, tab-separated
    assert piped[0].split("\t")[0] == found("author:zhu")[0]


def test_terminal_table_is_aligned_and_fits():
    library = Library(SHIPPED, readonly=True)
    try:
        items = search(library, parse_query("author:zhu"))
        text = table(items, aligned=True, width=80)
    finally:
        library.close()
    lines = text.splitlines()
    assert len(lines) == len(items) > 1 and all(len(line) <= 80 for line in lines)
    starts = {line.index(items[i].key) for i, line in enumerate(lines)}
    assert starts == {0}
    year_column = {re.match(r"\S+ +", line).end() for line in lines}
    assert len(year_column) == 1  # the year column starts at the same place in every line


def test_search_uses_whatever_tokenizer_the_index_has(library_copy):
    """With the porter tokenizer (stemming, schema 3), "segment" finds "Segmentation"; without, not."""
    assert "scheibenreif2022selfsupervised" in found("title:segment", db=library_copy)
    assert "scheibenreif2022selfsupervised" in found("segmenting", db=library_copy)
    db = sqlite_utils.Database(library_copy)
    for name, columns in SEARCHED.items():
        db[name].disable_fts()
        db[name].enable_fts(columns, create_triggers=True)
    db.close()
    assert "scheibenreif2022selfsupervised" not in found("title:segment", db=library_copy)


def test_without_an_index_search_falls_back_to_substrings(library_copy):
    db = sqlite_utils.Database(library_copy)
    db["works"].disable_fts()
    db["entries"].disable_fts()
    db.close()
    assert found("skysense", db=library_copy) == ["guo2023skysense"]
    assert set(found("author:zhu", db=library_copy)) >= set(found("author:zhu"))


@pytest.mark.parametrize("query", ["2306.11029", "arxiv:2306.11029", "arXiv:2306.11029v2",
                                   "10.1109/TGRS.2024.3390838", "doi:10.1109/tgrs.2024.3390838"])
def test_an_arxiv_id_or_doi_finds_its_work(query):
    assert sql("SELECT citekey FROM works WHERE arxiv_id = '2306.11029'") == ["liu2024remoteclip"]
    assert found(query) == ["liu2024remoteclip"]


def test_an_identifier_combines_with_words_and_a_wrong_one_is_refused():
    assert found("2306.11029", "remoteclip") == ["liu2024remoteclip"]
    assert found("2306.11029", "skysense") == []
    assert found("2312.10115") == ["guo2023skysense"]
    result = run("search", "--db", str(SHIPPED), "doi:nothing")
    assert result.exit_code == 2 and "not an arXiv id or a DOI" in result.stderr
