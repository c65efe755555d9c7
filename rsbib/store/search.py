"""The SQL behind `rsbib search` and the Datasette search: which works and rows match a query.

A query arrives parsed (rsbib.search.query.parse_query) as clauses that must all match, each
a few alternative terms. Text terms go to the full-text indexes: `works_fts` (title, venue,
abstract; stemmed), `entries_fts` (the list's title, abbreviation, publication; stemmed) and
`authors_fts` (names, not stemmed: "change" never finds "Chang"). The result is a set of
identities: ("work", works.id) for a paper, ("entry", entries.id) for a row with no work.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from rsbib import RsbibError
from rsbib.metadata.venues import label_for

FIELDS = ("author", "title", "abstract", "venue", "year", "category", "key", "arxiv", "doi")
Identity = tuple[str, int]
# The columns of each stemmed index a text field searches (None: every column).
WORK_COLUMNS = {None: ["title", "venue", "abstract"], "title": ["title"], "abstract": ["abstract"]}
ROW_COLUMNS = {None: ["title", "abbreviation", "publication"], "title": ["title"]}
_YEARS = re.compile(r"^(?P<start>\d{4})?(?:(?P<range>\.\.)(?P<end>\d{4})?)?$")


class QueryError(RsbibError, ValueError):
    """A query that cannot be read: an unknown field, a bad year range, no words (a usage error)."""


@dataclass(frozen=True)
class Term:
    field: str | None  # one of FIELDS, or None for every text column
    value: str  # text: words separated by spaces; arxiv/doi: the normalised identifier
    phrase: bool = False
    derived: bool = False  # another spelling of a compound the user wrote (not for names)


Clause = tuple[Term, ...]


def year_range(value: str) -> tuple[int, int]:
    found = _YEARS.match(value)
    if not found or not (found["start"] or found["end"]):
        raise QueryError(f"year:{value}: write a year (2023) or a range (2023..2024, 2023.., ..2024)")
    start = int(found["start"]) if found["start"] else 0
    end = int(found["end"]) if found["end"] else (9999 if found["range"] else start)
    return start, end


def matching(db: sqlite_utils.Database, clauses: list[Clause]) -> set[Identity]:
    """The works and rows every clause matches (a row that cites a work stands for its work)."""
    db.conn.create_function("rsbib_venue_label", 1, label_for, deterministic=True)
    chosen: set[Identity] | None = None
    for clause in clauses:
        found: set[Identity] = set()
        text = [t for t in clause if t.field in (None, "title", "author", "abstract")]
        if text:
            found |= _full_text(db, text)
        for term in clause:
            if term.field in ("arxiv", "doi"):
                found |= _with_identifier(db, term.field, term.value)
            elif term.field in ("year", "category", "key", "venue"):
                found |= _filtered(db, term)
        chosen = found if chosen is None else chosen & found
        if not chosen:
            break
    return chosen or set()


def _identities(db: sqlite_utils.Database, sql: str, params: Sequence[object]) -> set[Identity]:
    """Rows of (work_id, entry_id) as identities: the work when there is one."""
    return {("work", w) if w is not None else ("entry", e) for w, e in db.execute(sql, params)}


def _with_identifier(db: sqlite_utils.Database, field: str, value: str) -> set[Identity]:
    """Works with this arXiv id or DOI, and rows whose own link carries it."""
    column, link = {"arxiv": ("arxiv_id", "link_arxiv_id"), "doi": ("doi", "link_doi")}[field]
    return _identities(db, f"SELECT id, NULL FROM works WHERE lower([{column}]) = lower(?) UNION "
                           f"SELECT work_id, id FROM entries WHERE lower([{link}]) = lower(?)",
                       [value, value])


def _filtered(db: sqlite_utils.Database, term: Term) -> set[Identity]:
    """Works and rows of the bibliography (the `papers` table) that pass a field filter."""
    value = term.value.casefold()
    params: list[object]
    if term.field == "year":
        where, params = "year BETWEEN ? AND ?", list(year_range(term.value))
    elif term.field == "category":
        where, params = "EXISTS (SELECT 1 FROM json_each(categories) WHERE value = ?)", [term.value]
    elif term.field == "key":
        where, params = "instr(lower(citekey), ?) > 0", [value]
    else:  # venue: words of its name (venue:geoscience) or the list's label (venue:TGRS)
        where = ("instr(lower(coalesce(venue, '')), ?) > 0 OR lower(rsbib_venue_label(venue)) = ? "
                 "OR EXISTS (SELECT 1 FROM entries e WHERE lower(e.venue_label) = ? "
                 "AND (e.work_id = papers.work_id OR e.id = papers.entry_id))")
        params = [value, value, value]
    return _identities(db, f"SELECT work_id, entry_id FROM papers WHERE {where}", params)


def _full_text(db: sqlite_utils.Database, terms: list[Term]) -> set[Identity]:
    """Works and rows whose indexed text holds any of the terms."""
    found: set[Identity] = set()
    works = _match(db, "works", [t for t in terms if t.field != "author"], WORK_COLUMNS)
    found |= {("work", rowid) for rowid in works}
    names = [t for t in terms if t.field in (None, "author") and not t.derived]
    if names:
        ids = _match(db, "authors", names, {None: ["name"], "author": ["name"]})
        found |= _identities(db, _in("SELECT DISTINCT work_id, NULL FROM work_authors "
                                     "WHERE author_id IN ({})", ids), ids)
    rows = _match(db, "entries", [t for t in terms if t.field in ROW_COLUMNS], ROW_COLUMNS)
    found |= _identities(db, _in("SELECT work_id, id FROM entries WHERE id IN ({})", rows), rows)
    return found


def _in(sql: str, ids: list[int]) -> str:
    return sql.format(",".join("?" * len(ids)) or "NULL")


def _match(db: sqlite_utils.Database, table: str, terms: list[Term],
           columns: dict[str | None, list[str]]) -> list[int]:
    """Rowids of `table` whose full-text index matches any of the terms, in their columns."""
    terms = [t for t in terms if t.field in columns]
    if not terms:
        return []
    fts = db.table(table).detect_fts()
    if fts is None:  # a library without its index: plain substring search
        return _like(db, table, terms, columns)
    expression = " OR ".join(f"({{{' '.join(columns[t.field])}}} : ({_phrase(t)}))" for t in terms)
    try:
        return [r[0] for r in db.execute(f"SELECT rowid FROM [{fts}] WHERE [{fts}] MATCH ?",
                                         [expression])]
    except sqlite3.OperationalError as exc:
        raise QueryError(f"{terms[0].value!r}: the index cannot search this ({exc})") from None


def _phrase(term: Term) -> str:
    """The FTS5 form of a term: a quoted phrase, or an AND of quoted words (`word*`: a prefix)."""
    words = term.value.split()
    if term.phrase:
        return '"' + " ".join(w.rstrip("*") for w in words) + '"'
    return " AND ".join(f'"{w.rstrip("*")}"' + ("*" if w.endswith("*") else "") for w in words)


def _like(db: sqlite_utils.Database, table: str, terms: list[Term],
          columns: dict[str | None, list[str]]) -> list[int]:
    found: set[int] = set()
    for term in terms:
        text = " || ' ' || ".join(f"coalesce([{c}], '')" for c in columns[term.field])
        words = [term.value] if term.phrase else [w.rstrip("*") for w in term.value.split()]
        where = " AND ".join(f"({text}) LIKE ?" for _ in words)
        found |= {r[0] for r in db.execute(f"SELECT rowid FROM [{table}] WHERE {where}",
                                           [f"%{w}%" for w in words])}
    return sorted(found)


def entries_of(db: sqlite_utils.Database, chosen: set[Identity]) -> list[dict[str, Any]]:
    """The list's rows of the chosen works and rows, in list order (the Datasette search page)."""
    works, rows = _split(chosen)
    sql = (f"SELECT id, category, line, title, status FROM entries WHERE work_id IN ({_marks(works)}) "
           f"OR id IN ({_marks(rows)}) ORDER BY line")
    return list(db.query(sql, works + rows))


def papers_of(db: sqlite_utils.Database, chosen: set[Identity]) -> list[dict[str, Any]]:
    """The rows of the `papers` table for the chosen works and rows, newest first."""
    works, rows = _split(chosen)
    sql = (f"SELECT citekey, title, year, work_id, entry_id FROM papers WHERE work_id IN ({_marks(works)}) "
           f"OR entry_id IN ({_marks(rows)}) ORDER BY year DESC, citekey")
    return list(db.query(sql, works + rows))


def _split(chosen: set[Identity]) -> tuple[list[int], list[int]]:
    """The ids of the chosen works and of the chosen rows, each sorted."""
    return (sorted(i for kind, i in chosen if kind == "work"),
            sorted(i for kind, i in chosen if kind == "entry"))


def _marks(ids: list[int]) -> str:
    """Placeholders for `IN (...)`: one `?` per id, or NULL (matches nothing) for none."""
    return ",".join("?" * len(ids)) or "NULL"


def abstract_of(db: sqlite_utils.Database, work_id: int) -> str | None:
    found = db.execute("SELECT abstract FROM works WHERE id = ?", [work_id]).fetchone()
    return found[0] if found else None


def category_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The tables of the list in list order (slug, heading): what `category:` names."""
    return list(db.table("categories").rows_where(order_by="position"))


def holds_papers(conn: sqlite3.Connection) -> bool:
    """Whether a database Datasette serves is an rsbib library (it has the papers table)."""
    return "papers" in sqlite_utils.Database(conn).table_names()
