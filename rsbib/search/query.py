"""`rsbib search`: the export items a query matches, over the full-text indexes of works and rows.

A query is words (all must match; a title or abstract word is matched as a stem, a name as
written), "quoted phrases", `word*` prefixes, `A OR B`, and field filters: `author:zhu`,
`title:segment`, `abstract:"change detection"`, `venue:TGRS`, `year:2023`, `year:2023..2024`,
`category:vision`, `key:skysense`. Compounds match however they are written: `multispectral`,
`multi-spectral` and `multi spectral` find the same works. An arXiv id, a DOI or a pasted
link (`2306.11029`, `10.1109/...`, `arxiv:2306.11029`, `https://arxiv.org/abs/2306.11029`,
`https://doi.org/10.1109/...`) finds the works and rows with that identifier.

`parse_query` is the one translator of a query: the command line and the Datasette plugin
both hand its clauses to `identities` (its SQL: rsbib.store.search), so both find the same works.
"""

from __future__ import annotations

import json
import re

import sqlite_utils

from rsbib.export import CategoryError, Item, collect, pick_tables, render
from rsbib.metadata.identifiers import normalize_arxiv_id, normalize_doi, read_link
from rsbib.metadata.venues import label_for
from rsbib.store.library import Library
from rsbib.store.search import FIELDS, Clause, QueryError, Term, category_rows, matching, year_range

__all__ = ["FIELDS", "Clause", "QueryError", "Term", "parse_query", "search"]

TEXT_FIELDS = (None, "title", "author", "abstract")
_TOKEN = re.compile(r'(?:[A-Za-z]+:)?"[^"]*"?|\S+')
_FIELD = re.compile(r"^(?P<field>[A-Za-z]+):(?P<value>.*)$", re.DOTALL)
_LINK = re.compile(r"^(?:https?://|(?:www\.)?(?:arxiv\.org|(?:dx\.)?doi\.org)/)", re.IGNORECASE)
_WORD = re.compile(r"\w+\*?")
_ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$", re.IGNORECASE)
SPLIT_MIN = 3  # the shortest part a run-together compound is split into ("multi|spectral")


def parse_query(text: str, default_field: str | None = None) -> list[Clause]:
    """The clauses of a query (all must match), each a few alternatives (any may match).

    Words without a field take `default_field`. Raises QueryError (a usage error) for an
    unknown field, a field with no value, a bad year range, a link without an identifier,
    a dangling OR or an empty query.
    """
    units: list[list[Term]] = []
    pending_or = False
    for token in _TOKEN.findall(text):
        if token == "OR":
            if not units or pending_or:
                raise QueryError("OR needs a term on each side (A OR B)")
            pending_or = True
            continue
        term = _term(token, default_field)
        if term is None:
            continue
        if pending_or:
            units[-1].append(term)
        else:
            units.append([term])
        pending_or = False
    if pending_or:
        raise QueryError("OR needs a term on each side (A OR B)")
    if not units:
        raise QueryError("the query is empty")
    return [tuple(_with_compounds(unit, units, i)) for i, unit in enumerate(units)]


def _term(token: str, default_field: str | None) -> Term | None:
    """One token of a query as a term (None: nothing searchable in it, like a lone `-`)."""
    if _LINK.match(token):
        return _link(token)
    field, value = default_field, token
    found = _FIELD.match(token)
    if found and not found["value"] and found["field"].casefold() not in FIELDS:
        value = found["field"]  # "SatMAE:" pasted from a title is a word, not a field
    elif found:
        field = found["field"].casefold()
        if field not in FIELDS:
            raise QueryError(f"unknown field {found['field']!r} in {token!r}; fields: {', '.join(FIELDS)}")
        value = found["value"]
        if not value.strip('"').strip():
            raise QueryError(f"{field}: needs a value (e.g. {field}:{_EXAMPLES[field]})")
    phrase = value.startswith('"')
    value = value.strip('"').strip()
    if not value:
        return None
    if field == "year":
        year_range(value)  # fails early on a bad range
        return Term("year", value)
    if field in ("venue", "category", "key"):
        return Term(field, value, phrase)
    ident = identifier(field, value, phrase)
    if ident is not None:
        return ident
    if field in ("arxiv", "doi"):
        raise QueryError(f"{field}:{value}: not an arXiv id or a DOI")
    words = _WORD.findall(value)
    if not words:
        return None
    return Term(field, " ".join(words), phrase or len(words) > 1)


_EXAMPLES = {"author": "zhu", "title": "segment", "abstract": "detection", "venue": "TGRS",
             "year": "2023..2024", "category": "vision", "key": "skysense",
             "arxiv": "2306.11029", "doi": "10.1109/TGRS.2024.3390838"}


def _link(token: str) -> Term:
    info = read_link(token if "://" in token else f"https://{token}")
    if info and info.arxiv_id:
        return Term("arxiv", info.arxiv_id)
    if info and info.doi:
        return Term("doi", info.doi)
    raise QueryError(f"{token}: a link without an arXiv id or a DOI; search its title instead")


def identifier(field: str | None, value: str, phrase: bool = False) -> Term | None:
    """An `arxiv` or `doi` term when the value is an arXiv id or a DOI, else None."""
    if field not in (None, "arxiv", "doi") or phrase:
        return None
    if field != "arxiv" and re.match(r"^(?:doi:)?10\.\d{4,}/\S+$", value, re.IGNORECASE):
        doi = normalize_doi(value)
        if doi and doi.startswith("10.48550/"):
            arxiv_id = normalize_arxiv_id(doi)
            return Term("arxiv", arxiv_id) if arxiv_id else None
        return Term("doi", doi) if doi else None
    if field != "doi" and _ARXIV_ID.match(value.removeprefix("arXiv:").removeprefix("arxiv:")):
        arxiv_id = normalize_arxiv_id(value)
        return Term("arxiv", arxiv_id) if arxiv_id else None
    return None


def _with_compounds(unit: list[Term], units: list[list[Term]], i: int) -> list[Term]:
    """A unit's terms plus the other spellings of a compound in them.

    A plain word also matches run together with its neighbour ("multi spectral" finds
    "multispectral") and split in two ("multispectral" finds "multi-spectral"); a hyphenated
    word ("multi-spectral", a phrase of its parts) also matches run together. Names are
    matched only as written (store.search leaves `derived` terms out of the names index).
    """
    terms = list(unit)
    for term in unit:
        if term.field not in TEXT_FIELDS or term.field == "author" or term.value.endswith("*"):
            continue
        words = term.value.split()
        if term.phrase and len(words) == 2:
            terms.append(Term(term.field, "".join(words), derived=True))
        elif not term.phrase:
            terms += [Term(term.field, f"{words[0][:k]} {words[0][k:]}", True, derived=True)
                      for k in range(SPLIT_MIN, len(words[0]) - SPLIT_MIN + 1)
                      if words[0].isalpha()]
    if len(unit) == 1 and _plain(unit[0]):
        for j in (i - 1, i + 1):
            if 0 <= j < len(units) and len(units[j]) == 1 and _plain(units[j][0]) \
                    and units[j][0].field == unit[0].field:
                pair = (units[j][0].value + unit[0].value) if j < i else (unit[0].value + units[j][0].value)
                terms.append(Term(unit[0].field, pair, derived=True))
    return terms


def _plain(term: Term) -> bool:
    return term.field in (None, "title", "abstract") and not term.phrase \
        and not term.value.endswith("*") and term.value.isalpha()


def search(library: Library, clauses: list[Clause]) -> list[Item]:
    """The export items every clause matches, in the usual export order."""
    chosen = identities(library.db, clauses)
    return [item for item in collect(library) if identity(item) in chosen]


def identities(db: sqlite_utils.Database, clauses: list[Clause]) -> set[tuple[str, int]]:
    """The identities of the works and rows the clauses match (the command line and Datasette)."""
    tables = category_rows(db)
    resolved = []
    for clause in clauses:
        terms = []
        for term in clause:
            if term.field == "category":
                try:
                    (slug,) = pick_tables(tables, (term.value,))
                except CategoryError as exc:
                    raise QueryError(f"category:{term.value}: {exc}") from None
                term = Term("category", slug)
            terms.append(term)
        resolved.append(tuple(terms))
    return matching(db, resolved)


def identity(item: Item) -> tuple[str, int]:
    """("work", id) for a work, ("entry", id) for a row with no work (store.search's identities)."""
    if item.work is not None and item.work.id is not None:
        return ("work", item.work.id)
    return ("entry", item.entry.id or 0)


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
