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
               "publisher", "authors", "citekey", "title_en", "url")
# `--set doi=...` and `--set arxiv_id=...` bind the row, as --doi and --arxiv do.
SET_ALIASES = {"doi": "doi", "arxiv": "arxiv_id", "arxiv_id": "arxiv_id"}
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
    return value


def add(library: Library, entry: dict, field: str, value: str | None) -> None:
    """Record (or replace) one correction of `entry`, and apply it at once where it can be."""
    store(library, entry, [(field, value)])


def store(library: Library, entry: dict, changes: list[tuple[str, str | None]]
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
        before = {r["field"]: r["value"] for r in db["corrections"].rows_where(
            "row_key = ?", [entry["row_key"]])}
        for field, value in wanted:
            if field == "citekey":
                _check_key_free(library, entry, value)
        dropped = [f for f in before if binding and (f in BINDINGS or f == NOT_A_PAPER)
                   and f not in fields]
        replaced = [(f, before[f]) for f in dropped] + [
            (f, before[f]) for f, v in wanted if f in before and before[f] != v]
        for field in dropped + fields:
            db.execute("DELETE FROM corrections WHERE row_key = ? AND field = ?",
                       [entry["row_key"], field])
        for field, value in wanted:
            db["corrections"].insert({
                "row_key": entry["row_key"], "line": entry["line"], "title": entry["title"],
                "category": entry["category"], "paper_url": entry["paper_url"],
                "abbreviation": entry["abbreviation"], "field": field, "value": value,
                "created_at": now()})
        apply_all(library)
    return wanted, replaced


def _check_key_free(library: Library, entry: dict, key: str) -> None:
    if key not in library.taken_keys():
        return
    own = [r[0] for r in library.db.execute(
        "SELECT w.citekey FROM works w WHERE w.id = ? UNION ALL SELECT ?",
        [entry["work_id"], entry["citekey"]]) if r[0]]
    if not any(k.casefold() == key.casefold() for k in own):
        raise CorrectionError(f"key {key!r} is taken")


def pinned_fields(library: Library, row_key: str) -> dict[str, str]:
    """The fields of a row's paper set by hand (work fields and its DOI), as stored."""
    return {r["field"]: r["value"] for r in library.db["corrections"].rows_where(
        "row_key = ? ORDER BY id", [row_key]) if r["field"] in WORK_FIELDS or r["field"] == "doi"}


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
