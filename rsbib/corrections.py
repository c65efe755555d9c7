"""Corrections made by hand: bind a row to a paper, mark it not a paper, fix a field of its work.

They live in the `corrections` table, keyed by the row's stable key, and
are applied after every batch a sync writes, so no sync (--refresh
included) can undo them.
"""

from __future__ import annotations

import json

from .identifiers import normalize_arxiv_id, publication_doi
from .library import Library, now
from .records import Author

BINDINGS = ("doi", "arxiv_id")  # the row cites this paper
NOT_A_PAPER = "not-a-paper"
WORK_FIELDS = ("title", "year", "month", "venue", "type", "volume", "issue", "pages",
               "publisher", "authors", "citekey", "title_en")
TYPES = ("journal-article", "proceedings-article", "preprint", "misc")


class CorrectionError(ValueError):
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
        raise CorrectionError(f"cannot set {field!r}; fields: {', '.join(WORK_FIELDS)}")
    value = " ".join((value or "").split())
    if field in ("year", "month") and not value.isdigit():
        raise CorrectionError(f"{field} must be a number")
    if field == "type" and value not in TYPES:
        raise CorrectionError(f"type must be one of {', '.join(TYPES)}")
    if not value:
        raise CorrectionError(f"{field} cannot be empty")
    return value


def add(library: Library, entry: dict, field: str, value: str | None) -> None:
    """Record (or replace) one correction of `entry`, and apply it at once where it can be."""
    value = normalize(field, value)
    with library.db.atomic():
        if field == "citekey" and value in library.taken_keys():
            own = library.db.execute("SELECT citekey FROM works WHERE id = ?",
                                     [entry["work_id"]]).fetchone()
            if not own or own[0].casefold() != value.casefold():
                raise CorrectionError(f"key {value!r} is taken")
        library.db.execute("DELETE FROM corrections WHERE row_key = ? AND field = ?",
                           [entry["row_key"], field])
        if field in BINDINGS or field == NOT_A_PAPER:
            library.db.execute("DELETE FROM corrections WHERE row_key = ? AND field IN (?, ?, ?)",
                               [entry["row_key"], *BINDINGS, NOT_A_PAPER])
        library.db["corrections"].insert({
            "row_key": entry["row_key"], "line": entry["line"], "title": entry["title"],
            "category": entry["category"], "paper_url": entry["paper_url"],
            "abbreviation": entry["abbreviation"], "field": field, "value": value,
            "created_at": now()})
        apply_all(library)


def clear(library: Library, entry: dict) -> int:
    """Drop every correction of a row; the next sync decides it afresh."""
    with library.db.atomic():
        count = library.db["corrections"].count_where("row_key = ?", [entry["row_key"]])
        library.db.execute("DELETE FROM corrections WHERE row_key = ?", [entry["row_key"]])
        library.db.execute("UPDATE entries SET resolved_run = NULL, status = 'unresolved', "
                           "work_id = NULL, note = 'corrections cleared' WHERE id = ?", [entry["id"]])
        return count


def listing(library: Library) -> list[dict]:
    return list(library.db.query(
        "SELECT c.line, c.field, c.value, c.created_at, e.line AS current_line, c.title "
        "FROM corrections c LEFT JOIN entries e ON e.row_key = c.row_key ORDER BY c.line, c.field"))


def reattach(library: Library) -> None:
    """Follow rows whose title or link was edited in the list (inside the caller's transaction).

    A row's key comes from its table, title and link; after an edit, its
    corrections move to the one row of the same table with the same link or
    abbreviation (when there is exactly one, and it has no such correction).
    """
    db = library.db
    orphans = list(db.query("SELECT * FROM corrections WHERE row_key NOT IN "
                            "(SELECT row_key FROM entries)"))
    for c in orphans:
        clues = [(column, c[column]) for column in ("paper_url", "abbreviation") if c[column]]
        for column, value in clues:
            found = list(db.query(f"SELECT row_key, line, title FROM entries WHERE category = ? "
                                  f"AND {column} = ?", [c["category"], value]))
            if len(found) != 1:
                continue
            taken = db.execute("SELECT 1 FROM corrections WHERE row_key = ? AND field = ?",
                               [found[0]["row_key"], c["field"]]).fetchone()
            if not taken:
                db["corrections"].update(c["id"], {"row_key": found[0]["row_key"],
                                                   "line": found[0]["line"],
                                                   "title": found[0]["title"]})
            break


def bindings(library: Library) -> dict[str, dict]:
    """row_key -> the fields a resolver must take from the corrections instead of the list."""
    pins: dict[str, dict] = {}
    for row in library.db.query("SELECT row_key, field, value FROM corrections"):
        if row["field"] in BINDINGS or row["field"] == NOT_A_PAPER:
            pins.setdefault(row["row_key"], {})[row["field"]] = row["value"]
    return pins


def apply_all(library: Library) -> None:
    """Re-apply every correction (inside the caller's transaction)."""
    db = library.db
    for row_key, pin in bindings(library).items():
        if NOT_A_PAPER in pin:
            db.execute("UPDATE entries SET status = 'not-a-paper', work_id = NULL, method = 'pinned', "
                       "note = 'marked not a paper by hand' WHERE row_key = ?", [row_key])
    corrected: dict[int, set[str]] = {}
    for row in db.query(
            "SELECT c.field, c.value, e.work_id FROM corrections c JOIN entries e "
            "ON e.row_key = c.row_key WHERE e.work_id IS NOT NULL ORDER BY c.id"):
        field, value, work_id = row["field"], row["value"], row["work_id"]
        if field not in WORK_FIELDS:
            continue
        corrected.setdefault(work_id, set()).add(field)
        if field == "authors":
            authors = [Author.parse(a) for a in value.split(" and ")]
            library.set_authors(work_id, authors)
            value = " and ".join(a.name for a in authors)
        updates = {field: int(value) if field in ("year", "month") else value}
        if field == "citekey":
            updates["key_source"] = "user"
        db["works"].update(work_id, updates)
    db.execute("UPDATE works SET corrected = NULL WHERE corrected IS NOT NULL")
    for work_id, fields in corrected.items():
        db["works"].update(work_id, {"corrected": json.dumps(sorted(fields))})
