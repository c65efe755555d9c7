"""Corrections made by hand, applied where the library writes (rsbib.store.pins records them).

The library re-applies them inside every write that could undo one: a
stored list (rows whose key changed follow their corrections) and every
batch of outcomes.
"""

from __future__ import annotations

import json
from typing import Any

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


def apply_all(db: sqlite_utils.Database) -> list[tuple[int, str]]:
    """Re-apply every correction (inside the caller's transaction); undo those no longer there.

    A work keeps in `uncorrected` what the sources gave for each field a
    correction holds ("gave") and the value the correction wrote ("pinned"):
    a value other than the pinned one found there later was written by a
    sync, so it is what the sources give now. A field no correction holds any
    longer gets the sources' value back. Returns (work id, field) of the
    fields left as pinned because the sources' value is not known (corrected
    before schema 8).
    """
    for row_key, pin in bindings(db).items():
        if NOT_A_PAPER in pin:
            db.execute("UPDATE entries SET status = 'not-a-paper', work_id = NULL, method = 'pinned', "
                       "note = 'marked not a paper by hand' WHERE row_key = ?", [row_key])
    wanted: dict[int, dict[str, str]] = {}
    for row in db.query(
            "SELECT c.field, c.value, e.work_id FROM corrections c JOIN entries e "
            "ON e.row_key = c.row_key WHERE e.work_id IS NOT NULL ORDER BY c.id"):
        if row["field"] in WORK_FIELDS:
            wanted.setdefault(row["work_id"], {})[row["field"]] = row["value"]
    ids = list(wanted)
    works = db.query("SELECT * FROM works WHERE corrected IS NOT NULL OR uncorrected IS NOT NULL"
                     f" OR id IN ({','.join('?' * len(ids))})", ids)
    unknown: list[tuple[int, str]] = []
    for work in list(works):
        updates, lost = _reapplied(db, work, wanted.get(work["id"], {}))
        unknown += [(work["id"], f) for f in lost]
        if any(work[k] != v for k, v in updates.items()):
            db.table("works").update(work["id"], updates)
    return unknown


def _stored(field: str, value: str) -> str | int:
    """A correction's value as the `works` column holds it."""
    if field in ("year", "month"):
        return int(value)
    if field == "authors":
        return join_authors(split_authors(value), authors_incomplete(value))
    return value


def _reapplied(db: sqlite_utils.Database, work: dict[str, Any], pins: dict[str, str]
               ) -> tuple[dict[str, Any], list[str]]:
    """The columns of one work with its corrections applied and the dropped ones undone."""
    kept: dict[str, dict[str, Any]] = json.loads(work["uncorrected"] or "{}")
    was = set(json.loads(work["corrected"] or "[]"))
    updates: dict[str, Any] = {}
    for field, text in pins.items():
        value = _stored(field, text)
        current = {"value": work[field], "key_source": work["key_source"]} if field == "citekey" else {
            "value": work[field]}
        entry = kept.get(field)
        if entry is None:  # newly corrected; before schema 8 the sources' value was overwritten
            entry = {} if field in was else {"gave": current}
        elif work[field] != entry["pinned"]:  # a sync wrote it since: the sources' value now
            entry["gave"] = current
        kept[field] = {**entry, "pinned": value}
        updates[field] = value
        if field == "authors":
            replace_authors(db, work["id"], split_authors(text))
        if field == "citekey":
            updates["key_source"] = "user"
    lost = sorted(was - set(pins) - set(kept))  # corrected before schema 8, now dropped
    for field in [f for f in kept if f not in pins]:
        entry = kept.pop(field)
        if "gave" not in entry:
            lost.append(field)
        elif work[field] == entry["pinned"]:  # else a sync wrote a newer value: it stays
            updates.update(_restored(db, work, field, entry["gave"]))
    updates["corrected"] = json.dumps(sorted(pins)) if pins else None
    updates["uncorrected"] = json.dumps(kept, ensure_ascii=False, sort_keys=True) if kept else None
    return updates, lost


def _restored(db: sqlite_utils.Database, work: dict[str, Any], field: str,
              gave: dict[str, Any]) -> dict[str, Any]:
    """The columns that put back what the sources gave for `field`."""
    value = gave["value"]
    if field == "authors":
        if value:
            replace_authors(db, work["id"], split_authors(value))
        else:
            db.execute("DELETE FROM work_authors WHERE work_id = ?", [work["id"]])
    if field == "citekey":
        taken = value is not None and db.execute(
            "SELECT 1 FROM works WHERE citekey = ? COLLATE NOCASE AND id != ?", [value, work["id"]]).fetchone()
        if taken or value is None:  # given to another work since: the pinned key stays, as generated
            return {"key_source": "generated"}
        return {"citekey": value, "key_source": gave.get("key_source")}
    return {field: value}
