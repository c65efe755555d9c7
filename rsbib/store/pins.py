"""Corrections made by hand: bind a row to a paper, mark it not a paper, fix a field of its work.

They live in the `corrections` table, keyed by the row's stable key, and
are applied after every batch a sync writes, so no sync (--refresh
included) can undo them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rsbib import RsbibError
from rsbib.metadata.authors import SEPARATOR, is_others, join_authors, known_authors
from rsbib.metadata.identifiers import normalize_arxiv_id, publication_doi
from rsbib.metadata.records import Author, Entry, WorkType
from rsbib.store.library import Library
from rsbib.store.reapply import BINDINGS, NOT_A_PAPER, WORK_FIELDS, apply_all
from rsbib.store.schema import now

# `--set doi=...` and `--set arxiv_id=...` bind the row, as --doi and --arxiv do.
SET_ALIASES = {"doi": "doi", "arxiv": "arxiv_id", "arxiv_id": "arxiv_id"}
TYPES = tuple(t.value for t in WorkType)
_ET_AL = re.compile(r"\bet\.?\s*al\b", re.IGNORECASE)


class CorrectionError(RsbibError, ValueError):
    """A correction that cannot be right (bad DOI, unknown field, key taken...)."""


def normalize(field: str, value: str | None) -> str | None:
    """The value as stored, or CorrectionError saying why it cannot be."""
    if field == "doi":
        doi = publication_doi(value)
        if not doi:
            raise CorrectionError(f"{value!r} is not a DOI of a published paper")
        return doi
    if field == "arxiv_id":
        arxiv_id = normalize_arxiv_id(value or "")
        if not arxiv_id:
            raise CorrectionError(f"{value!r} is not an arXiv id")
        return arxiv_id
    if field == NOT_A_PAPER:
        return None
    if field not in WORK_FIELDS:
        raise CorrectionError(f"cannot set {field!r}; fields: {', '.join(WORK_FIELDS)}, doi, arxiv")
    value = " ".join((value or "").split())
    if field in ("year", "month") and not value.isdigit():
        raise CorrectionError(f"{field} must be a number")
    if field == "url" and not value.lower().startswith(("http://", "https://")):
        raise CorrectionError("url must start with http:// or https://")
    if field == "type" and value not in TYPES:
        raise CorrectionError(f"type must be one of {', '.join(TYPES)}")
    if not value:
        raise CorrectionError(f"{field} cannot be empty")
    return written_authors(value) if field == "authors" else value


def written_authors(text: str) -> str:
    """An authors correction in the one form ("Family, Given and ... and others"), or why it cannot be.

    Read as the export reads it (rsbib.metadata.authors): names between
    " and ", a last name "others" (or "et al.") for the authors not named.
    """
    words = text.split()
    names = [Author.parse(name) for name in text.split(SEPARATOR)]
    named, incomplete = known_authors(names)
    if not named:
        raise CorrectionError("authors names no one: write 'Family, Given and others'")
    if any(a == b == "and" for a, b in zip(words, words[1:])) or (
            "and" in (words[0], words[-1])):
        raise CorrectionError("an empty name between 'and's")
    if ";" in text:
        raise CorrectionError("';' between names: separate authors with ' and '")
    if any(_ET_AL.search(f"{a.given} {a.family}") for a in named):
        raise CorrectionError("'et al.' inside a name: end the list with ' and others'")
    if any(is_others(a) for a in names[:-1]):
        raise CorrectionError("'others' stands for the authors not named: put it last")
    return join_authors(named, incomplete)


def add(library: Library, entry: Entry, field: str, value: str | None) -> None:
    """Record (or replace) one correction of `entry`, and apply it at once where it can be."""
    store(library, entry, [(field, value)])


def store(library: Library, entry: Entry, changes: list[tuple[str, str | None]]
          ) -> tuple[list[tuple[str, str | None]], list[tuple[str, str | None]]]:
    """Record the corrections of one request together, or none (CorrectionError saying why).

    Bindings given together (a DOI and an arXiv id) describe one paper and
    replace the row's earlier bindings. Returns (stored, replaced), each a
    list of (field, value) as stored.
    """
    wanted = [(field, normalize(field, value)) for field, value in changes]
    fields = [field for field, _ in wanted]
    repeated = sorted({f for f in fields if fields.count(f) > 1})
    if repeated:
        raise CorrectionError(f"{', '.join(repeated)} given more than once")
    if NOT_A_PAPER in fields and any(f in BINDINGS for f in fields):
        raise CorrectionError("a row cannot be both a paper (--doi/--arxiv) and not a paper")
    binding = any(f in BINDINGS or f == NOT_A_PAPER for f in fields)
    db = library.db
    with db.atomic():
        before = {r["field"]: r["value"] for r in db.table("corrections").rows_where(
            "row_key = ?", [entry.row_key])}
        for field, value in wanted:
            if field == "citekey" and value:
                _check_key_free(library, entry, value)
        dropped = [f for f in before if binding and (f in BINDINGS or f == NOT_A_PAPER)
                   and f not in fields]
        replaced = [(f, before[f]) for f in dropped] + [
            (f, before[f]) for f, v in wanted if f in before and before[f] != v]
        replaced += _from_sources(library, entry, [(f, v) for f, v in wanted if f not in before])
        for field in dropped + fields:
            db.execute("DELETE FROM corrections WHERE row_key = ? AND field = ?",
                       [entry.row_key, field])
        for field, value in wanted:
            db.table("corrections").insert({
                "row_key": entry.row_key, "line": entry.line, "title": entry.title,
                "category": entry.category, "paper_url": entry.paper_url,
                "abbreviation": entry.abbreviation, "field": field, "value": value,
                "created_at": now()})
        apply_all(db)
    return wanted, replaced


def _check_key_free(library: Library, entry: Entry, key: str) -> None:
    if key not in library.keys.taken():
        return
    own = [r[0] for r in library.db.execute(
        "SELECT w.citekey FROM works w WHERE w.id = ? UNION ALL SELECT ?",
        [entry.work_id, entry.citekey]) if r[0]]
    if not any(k.casefold() == key.casefold() for k in own):
        raise CorrectionError(f"key {key!r} is taken")


def pinned_fields(library: Library, row_key: str) -> dict[str, str]:
    """The fields of a row's paper set by hand (work fields and its DOI), as stored."""
    return {r["field"]: r["value"] for r in library.db.table("corrections").rows_where(
        "row_key = ? ORDER BY id", [row_key]) if r["field"] in WORK_FIELDS or r["field"] == "doi"}


def _from_sources(library: Library, entry: Entry, wanted: list[tuple[str, str | None]]
                  ) -> list[tuple[str, str | None]]:
    """The values of the row's work that these new corrections of its fields replace."""
    work = library.db.table("works").get(entry.work_id) if entry.work_id else None
    if work is None:
        return []
    return [(f, str(work[f])) for f, v in wanted
            if f in WORK_FIELDS and work[f] is not None and str(work[f]) != v]


@dataclass(frozen=True)
class Cleared:
    """What `pin --clear` did: corrections removed, the row to be asked again, fields left as pinned."""

    count: int
    ask_again: bool
    kept_as_pinned: list[str]


def clear(library: Library, entry: Entry) -> Cleared:
    """Drop every correction of a row: its work's fields get back what the sources gave.

    A row bound by hand (--doi, --arxiv, --not-a-paper) is asked again at
    the next sync; until then it keeps its answer (its work and key) as `pending`.
    """
    with library.db.atomic():
        fields = [r["field"] for r in library.db.table("corrections").rows_where(
            "row_key = ?", [entry.row_key])]
        library.db.execute("DELETE FROM corrections WHERE row_key = ?", [entry.row_key])
        ask_again = any(f in BINDINGS or f == NOT_A_PAPER for f in fields)
        if ask_again:
            library.db.execute("UPDATE entries SET status = 'pending', note = 'correction cleared; "
                               "asked again at the next sync' WHERE id = ?", [entry.id])
        lost = apply_all(library.db)
    return Cleared(len(fields), ask_again, [f for work, f in lost if work == entry.work_id])


def listing(library: Library) -> list[dict[str, Any]]:
    return list(library.db.query(
        "SELECT c.line, c.field, c.value, c.created_at, e.line AS current_line, c.title "
        "FROM corrections c LEFT JOIN entries e ON e.row_key = c.row_key ORDER BY c.line, c.field"))
