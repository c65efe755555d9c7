"""Corrections made by hand, applied where the library writes (rsbib.store.pins records them).

The library re-applies them inside every write that could undo one: a
stored list (rows whose key changed follow their corrections) and every
batch of outcomes.
"""

from __future__ import annotations

import json

import sqlite_utils

from rsbib.metadata.authors import authors_incomplete, join_authors, split_authors
from rsbib.store.works import replace_authors

BINDINGS = ("doi", "arxiv_id")  # the row cites this paper
NOT_A_PAPER = "not-a-paper"
WORK_FIELDS = ("title", "year", "month", "venue", "type", "volume", "issue", "pages",
               "publisher", "authors", "citekey", "title_en", "url")


def reattach(db: sqlite_utils.Database) -> None:
    """Follow rows whose title or link was edited in the list (inside the caller's transaction).

    A row's key comes from its table, title and link; after an edit, its
    corrections move to the one row of the same table with the same link or
    abbreviation (when there is exactly one, and it has no such correction).
    """
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
                db.table("corrections").update(c["id"], {"row_key": found[0]["row_key"],
                                                   "line": found[0]["line"],
                                                   "title": found[0]["title"]})
            break


def bindings(db: sqlite_utils.Database) -> dict[str, dict[str, str | None]]:
    """row_key -> the fields a resolver must take from the corrections instead of the list."""
    pins: dict[str, dict[str, str | None]] = {}
    for row in db.query("SELECT row_key, field, value FROM corrections"):
        if row["field"] in BINDINGS or row["field"] == NOT_A_PAPER:
            pins.setdefault(row["row_key"], {})[row["field"]] = row["value"]
    return pins


def apply_all(db: sqlite_utils.Database) -> None:
    """Re-apply every correction (inside the caller's transaction)."""
    for row_key, pin in bindings(db).items():
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
            authors = split_authors(value)
            replace_authors(db, work_id, authors)
            value = join_authors(authors, authors_incomplete(value))
        updates = {field: int(value) if field in ("year", "month") else value}
        if field == "citekey":
            updates["key_source"] = "user"
        db.table("works").update(work_id, updates)
    db.execute("UPDATE works SET corrected = NULL WHERE corrected IS NOT NULL")
    for work_id, fields in corrected.items():
        db.table("works").update(work_id, {"corrected": json.dumps(sorted(fields))})
