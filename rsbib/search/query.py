"""`rsbib search`: the export items a query matches, over the full-text index of works and rows.

A query is words (all must match, each a stem where the index stems), "quoted phrases",
`word*` prefixes, and field filters: `author:zhu`, `title:segment`, `venue:TGRS`,
`year:2023`, `year:2023..2024`, `category:vision`, `key:skysense`. A word that is an
arXiv id or a DOI (`2306.11029`, `10.1109/...`, also `arxiv:2306.11029`, `doi:10.1109/...`)
finds the works and rows with that identifier. The FTS tables are
found by name (`detect_fts`), so the index's tokenizer (porter or not) is the one used.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass

from rsbib import RsbibError
from rsbib.export import CategoryError, Item, collect, match_categories, render
from rsbib.metadata.identifiers import normalize_arxiv_id, normalize_doi
from rsbib.metadata.venues import label_for
from rsbib.store.library import Library

FIELDS = ("author", "title", "venue", "year", "category", "key", "arxiv", "doi")
# The columns of each full-text index a field searches (None: every column).
WORK_COLUMNS = {None: None, "title": ["title"], "author": ["authors"]}
ROW_COLUMNS = {None: None, "title": ["title"]}

_TOKEN = re.compile(r'(?:(?P<field>[A-Za-z]+):)?(?P<value>"[^"]*"?|\S+)')
_WORD = re.compile(r"\w+\*?")
_YEARS = re.compile(r"^(?P<start>\d{4})?(?:(?P<range>\.\.)(?P<end>\d{4})?)?$")


class QueryError(RsbibError, ValueError):
    """A query that cannot be read: an unknown field, a bad year range, no words."""


@dataclass(frozen=True)
class Term:
    field: str | None  # one of FIELDS, or None for every text column
    value: str
    phrase: bool = False


def parse_query(text: str, default_field: str | None = None) -> list[Term]:
    """The terms of a query; words without a field take `default_field`."""
    terms = []
    for found in _TOKEN.finditer(text):
        field, value = found["field"], found["value"]
        if field is not None and field.casefold() not in FIELDS:
            raise QueryError(f"unknown field {field!r} in {found[0]!r}; fields: {', '.join(FIELDS)}")
        field = field.casefold() if field else default_field
        phrase = value.startswith('"')
        value = value.strip('"').strip()
        if not value:
            continue
        if field == "year":
            _year_range(value)  # fails early on a bad range
        terms.append(Term(field, value, phrase))
    if not terms:
        raise QueryError("the query is empty")
    return terms


def _year_range(value: str) -> tuple[int, int]:
    found = _YEARS.match(value)
    if not found or not (found["start"] or found["end"]):
        raise QueryError(f"year:{value}: write a year (2023) or a range (2023..2024, 2023.., ..2024)")
    start = int(found["start"]) if found["start"] else 0
    end = int(found["end"]) if found["end"] else (9999 if found["range"] else start)
    return start, end


def search(library: Library, terms: list[Term]) -> list[Item]:
    """The export items every term matches, in the usual export order."""
    items = collect(library)
    rows = _rows_by_item(library)
    chosen: set[tuple] | None = None
    for term in terms:
        matched = _matches(library, term, items, rows)
        chosen = matched if chosen is None else chosen & matched
    return [item for item in items if identity(item) in (chosen or set())]


def identity(item: Item) -> tuple:
    return ("work", item.work.id) if item.work else ("row", item.entry.row_key)


def _rows_by_item(library: Library) -> dict[tuple, list[dict]]:
    """Every row of the list, grouped by the export item it belongs to."""
    grouped: dict[tuple, list[dict]] = {}
    for row in library.db.query("SELECT * FROM entries ORDER BY line"):
        key = ("work", row["work_id"]) if row["work_id"] is not None else ("row", row["row_key"])
        grouped.setdefault(key, []).append(row)
    return grouped


def _matches(library: Library, term: Term, items: list[Item], rows: dict) -> set[tuple]:
    ident = identifier(term)
    if ident is not None:
        return _with_identifier(library, *ident)
    if term.field in ("arxiv", "doi"):
        raise QueryError(f"{term.field}:{term.value}: not an arXiv id or a DOI")
    if term.field in (None, "title", "author"):
        return _full_text(library, term)
    test = {"year": _year_test, "category": _category_test, "key": _key_test,
            "venue": _venue_test}[term.field](library, term.value)
    return {identity(item) for item in items if test(item, rows.get(identity(item), []))}


_ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$", re.IGNORECASE)


def identifier(term: Term) -> tuple[str, str] | None:
    """("arxiv_id" | "doi", normalized value) when the term is an arXiv id or a DOI, else None."""
    if term.field not in (None, "arxiv", "doi") or term.phrase:
        return None
    value, column, found = term.value, None, None
    if term.field != "arxiv" and re.match(r"^(?:doi:)?10\.\d{4,}/\S+$", value, re.IGNORECASE):
        column, found = "doi", normalize_doi(value)
        if found and found.startswith("10.48550/"):
            column, found = "arxiv_id", normalize_arxiv_id(found)
    elif term.field != "doi" and _ARXIV_ID.match(value.removeprefix("arXiv:").removeprefix("arxiv:")):
        column, found = "arxiv_id", normalize_arxiv_id(value)
    return (column, found) if column and found else None


def _with_identifier(library: Library, column: str, value: str) -> set[tuple]:
    """Works with this arXiv id or DOI, and rows whose own link carries it."""
    found = {("work", r["id"]) for r in library.db.query(
        f"SELECT id FROM works WHERE lower([{column}]) = lower(?)", [value])}
    link = {"arxiv_id": "link_arxiv_id", "doi": "link_doi"}[column]
    for row in library.db.query(f"SELECT work_id, row_key FROM entries WHERE lower([{link}]) = lower(?)",
                                [value]):
        found.add(("work", row["work_id"]) if row["work_id"] is not None else ("row", row["row_key"]))
    return found


def _full_text(library: Library, term: Term) -> set[tuple]:
    """Works and rows whose indexed text holds the term (a row stands for its work)."""
    found: set[tuple] = set()
    works = _fts_rowids(library, "works", term, WORK_COLUMNS[term.field])
    found.update(("work", rowid) for rowid in works)
    if term.field in ROW_COLUMNS:
        ids = _fts_rowids(library, "entries", term, ROW_COLUMNS[term.field])
        for row in _rows_with_ids(library, ids):
            found.add(("work", row["work_id"]) if row["work_id"] is not None
                      else ("row", row["row_key"]))
    return found


def _fts_rowids(library: Library, table: str, term: Term, columns: list[str] | None) -> list[int]:
    words = _WORD.findall(term.value)
    if not words:
        return []
    fts = library.db.table(table).detect_fts()
    if fts is None:  # a library without its index: plain substring search
        return _like_rowids(library, table, term, columns)
    if term.phrase:
        phrases = ['"' + " ".join(w.rstrip("*") for w in words) + '"']
    else:
        phrases = [f'"{w.rstrip("*")}"' + ("*" if w.endswith("*") else "") for w in words]
    scope = "{" + " ".join(columns) + "} : " if columns else ""
    expression = " AND ".join(scope + p for p in phrases)
    sql = f"SELECT rowid FROM [{fts}] WHERE [{fts}] MATCH ?"
    try:
        return [r[0] for r in library.db.execute(sql, [expression])]
    except sqlite3.OperationalError as exc:
        raise QueryError(f"{term.value!r}: the index cannot search this ({exc})") from None


def _like_rowids(library: Library, table: str, term: Term, columns: list[str] | None) -> list[int]:
    columns = columns or {"works": ["title", "authors", "venue", "abstract"],
                          "entries": ["title", "abbreviation", "publication"]}[table]
    text = " || ' ' || ".join(f"coalesce([{c}], '')" for c in columns)
    words = [term.value] if term.phrase else [w.rstrip("*") for w in _WORD.findall(term.value)]
    where = " AND ".join(f"({text}) LIKE ?" for _ in words)
    return [r[0] for r in library.db.execute(f"SELECT rowid FROM [{table}] WHERE {where}",
                                             [f"%{w}%" for w in words])]


def _rows_with_ids(library: Library, ids: list[int]) -> list[dict]:
    if not ids:
        return []
    return list(library.db.query(
        f"SELECT work_id, row_key FROM entries WHERE id IN ({','.join('?' * len(ids))})", ids))


def _year_test(library: Library, value: str):
    start, end = _year_range(value)
    return lambda item, rows: start <= (year_of(item) or -1) <= end


def _category_test(library: Library, value: str):
    try:
        (slug,) = match_categories(library, (value,))
    except CategoryError as exc:
        raise QueryError(f"category:{value}: {exc}") from None
    return lambda item, rows: any(row["category"] == slug for row in rows)


def _key_test(library: Library, value: str):
    wanted = value.casefold()
    return lambda item, rows: wanted in item.key.casefold()


def _venue_test(library: Library, value: str):
    """A venue by words of its name (`venue:geoscience`) or by the list's label (`venue:TGRS`)."""
    wanted = value.casefold()

    def test(item: Item, rows: list[dict]) -> bool:
        venue = (item.work.venue if item.work else None) or ""
        labels = {(label_for(venue) or "").casefold()}
        labels |= {(row["venue_label"] or "").casefold() for row in rows}
        return wanted in venue.casefold() or wanted in labels
    return test


def year_of(item: Item) -> int | None:
    return item.work.year if item.work else item.entry.label_year


def venue_of(item: Item) -> str:
    if item.work:
        return item.work.venue or ""
    return item.entry.publication or ""


def summary(item: Item) -> dict:
    """What a search shows of an item (also its --format json object)."""
    source = item.work or item.entry
    return {
        "key": item.key, "kind": item.kind, "year": year_of(item),
        "authors": [a.name for a in item.authors],
        "title": source.title, "venue": venue_of(item),
        "doi": item.work.doi if item.work else None,
        "arxiv_id": item.work.arxiv_id if item.work else None,
        "category": item.entry.category,
    }


def table(items: list[Item], aligned: bool, width: int = 120) -> str:
    """One line per item: key, year, first author, venue label, title.

    Aligned in columns and cut to `width` for a terminal; tab-separated and whole when piped.
    """
    lines = []
    for item in items:
        authors = item.authors
        first = authors[0].family if authors else ""
        first += " et al." if len(authors) > 2 else (f" and {authors[1].family}" if len(authors) == 2 else "")
        venue = venue_of(item)
        lines.append([item.key, str(year_of(item) or ""), first, label_for(venue) or venue,
                      (item.work or item.entry).title])
    if not aligned:
        return "".join("\t".join(line) + "\n" for line in lines)
    caps = [None, None, 24, 16, None]
    cells = [[_cut(cell, cap) for cell, cap in zip(line, caps)] for line in lines]
    widths = [max(len(line[i]) for line in cells) for i in range(4)]
    out = []
    for line in cells:
        text = "  ".join(cell.ljust(w) for cell, w in zip(line, widths)) + "  " + line[4]
        out.append(_cut(text, width))
    return "".join(line.rstrip() + "\n" for line in out)


def _cut(text: str, cap: int | None) -> str:
    return text if cap is None or len(text) <= cap else text[:cap - 1] + "…"


def results(items: list[Item], fmt: str, terminal: bool, width: int) -> tuple[str, list[str]]:
    """The text of a search's results in `fmt`, and warnings of the export formats."""
    if fmt == "table":
        return table(items, aligned=terminal, width=width), []
    if fmt == "keys":
        return "".join(f"{item.key}\n" for item in items), []
    if fmt == "json":
        return json.dumps([summary(item) for item in items], indent=2, ensure_ascii=False) + "\n", []
    return render(items, fmt)
