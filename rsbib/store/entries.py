"""The list as the library stores it: categories, entries (one per row) and cite blocks.

A row gone from the list is kept and marked, never deleted (unless pruned);
every distinct list a sync reads is recorded (rsbib.store.versions).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from rsbib.lists.parse import CiteBlock, ParsedList, Row
from rsbib.lists.tokens import gc_paused
from rsbib.metadata.identifiers import read_link
from rsbib.metadata.records import ANSWERED, Entry, EntryStatus, RowToResolve
from rsbib.store import bulk, reapply

# json.dumps(..., ensure_ascii=False), made once rather than per row.
_JSON = json.JSONEncoder(ensure_ascii=False)
# The columns row_to_resolve reads.
_TO_RESOLVE = "id, title, venue_label, label_year, link_kind, paper_url, publication, link_arxiv_id, link_doi"
# What a row that changed in the list forgets of its earlier answer.
_FORGOTTEN = {"status": EntryStatus.PENDING.value, "work_id": None, "method": None, "score": None,
              "note": "row changed in the list", "candidates": None, "resolved_run": None}


class Entries:
    """The `categories`, `entries` and `cite_blocks` tables, filled from a parsed list."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    @gc_paused
    def store(self, parsed: ParsedList, run_id: int | None = None,
              prune: bool = False) -> dict[str, int]:
        """Write categories, entries and cite blocks of the list, keeping resolutions.

        An entry whose row is unchanged keeps its work and status; a changed row
        is `pending` again. A row gone from the list is never deleted: it is
        marked no longer listed (`listed` = 0, `unlisted_run`), keeping its
        work, key and corrections, and comes back as it was if the list lists
        it again. `prune` deletes the rows no longer listed. Rows are written
        in batches (one statement per kind of change), not one at a time.
        Returns how many rows were `unlisted` and `pruned` by this call.
        """
        counts = {"unlisted": 0, "pruned": 0}
        with self.db.atomic():
            self.db.table("categories").upsert_all(
                [{"slug": c.slug, "heading": c.heading, "position": c.position} for c in parsed.categories],
                pk="slug")
            existing = {r["row_key"]: r for r in self.db.query("SELECT * FROM entries")}
            seen = set()
            new: list[dict[str, Any]] = []
            changed: list[dict[str, Any]] = []
            for row, key in zip(parsed.rows, row_keys(parsed.rows)):
                seen.add(key)
                record = {**entry_record(row, key), "listed": 1, "unlisted_run": None}
                old = existing.get(key)
                if old is None:
                    new.append({**record, "status": EntryStatus.PENDING.value})
                elif old["fingerprint"] != record["fingerprint"]:
                    changed.append({**old, **record, **_FORGOTTEN})
                elif any(old[k] != v for k, v in record.items()):
                    changed.append({**old, **record})  # moved, listed again, new code link
            gone = [old for key, old in existing.items() if key not in seen]
            if prune:
                self.db.conn.executemany("DELETE FROM entries WHERE id = ?", [[old["id"]] for old in gone])
                counts["pruned"] = len(gone)
            else:
                unlisted = [old for old in gone if old["listed"]]
                changed += [{**old, "listed": 0, "unlisted_run": run_id} for old in unlisted]
                counts["unlisted"] = len(unlisted)
            self._rewrite(changed)
            bulk.insert_rows(self.db, "entries", new)
            used = {c.slug for c in parsed.categories}
            self.db.conn.executemany(
                "DELETE FROM categories WHERE slug = ? AND NOT EXISTS "
                "(SELECT 1 FROM entries WHERE category = categories.slug)",
                [[r["slug"]] for r in self.db.query("SELECT slug FROM categories") if r["slug"] not in used])
            reapply.reattach(self.db)
            self.db.execute("DELETE FROM cite_blocks")
            self.db.table("cite_blocks").insert_all(
                [{"key": block.key, "entry_type": block.entry_type,
                  "fields": json.dumps(block.fields, ensure_ascii=False),
                  "line": block.line, "raw": block.raw} for block in parsed.cite_blocks], replace=True)
        return counts

    def _rewrite(self, rows: list[dict[str, Any]]) -> None:
        """Write these whole `entries` rows back over the stored ones (one statement for all)."""
        if not rows:
            return
        columns = [c for c in rows[0] if c != "id"]
        self.db.conn.executemany(
            f"UPDATE entries SET {', '.join(f'[{c}] = ?' for c in columns)} WHERE id = ?",
            [[r[c] for c in columns] + [r["id"]] for r in rows])

    def to_resolve(self, refresh: bool = False) -> list[RowToResolve]:
        """Entries with no answer yet: never looked up, changed, or failed (all with `refresh`).

        A row that was looked up and found in neither service is an answer
        too; it is asked again only with --refresh or when the row changes.
        A row bound to a paper by hand is looked up by that paper's id, until
        its work carries it; a row marked not a paper by hand is never asked.
        """
        pending = self._unanswered(refresh, _TO_RESOLVE)
        return [row_to_resolve(pending[i]) for i in sorted(pending)]

    def count_to_resolve(self) -> int:
        """`len(to_resolve())`, without reading the rows (what an offline sync leaves to ask)."""
        return len(self._unanswered(False, "id"))

    def _unanswered(self, refresh: bool, select: str) -> dict[int, dict[str, Any]]:
        """The rows `to_resolve` gives, by id: their `select` columns, or the whole row when pinned."""
        pins = reapply.bindings(self.db)
        marks = ",".join("?" * len(ANSWERED))
        where = "listed = 1" if refresh else f"listed = 1 and status not in ({marks})"
        params = [] if refresh else [s.value for s in ANSWERED]
        pending: dict[int, dict[str, Any]] = (
            {e["id"]: e for e in self.db.table("entries").rows_where(where, params, order_by="id", select=select)}
            if select != "id" else
            {r[0]: {} for r in self.db.execute(f"SELECT id FROM entries WHERE {where}", params)})
        for entry in self.db.table("entries").rows_where("listed = 1", order_by="id") if pins else ():
            pin = pins.get(entry["row_key"])
            if not pin:
                continue
            if reapply.NOT_A_PAPER in pin:
                pending.pop(entry["id"], None)
                continue
            work = self.db.table("works").get(entry["work_id"]) if entry["work_id"] else {}
            if refresh or any(work.get(f) != v for f, v in pin.items()):
                pending[entry["id"]] = {**entry, "link_doi": pin.get("doi"),
                                        "link_arxiv_id": pin.get("arxiv_id"), "pinned": True}
        return pending

    def needs_attention(self, also: Iterable[int] = ()) -> list[Entry]:
        """Rows a person should look at: failed, ambiguous, and `also` (ids), in list order."""
        ids = list(also)
        marks = ",".join("?" * len(ids))
        extra = f" OR id IN ({marks})" if ids else ""
        return [Entry.from_row(r) for r in self.db.query(
            "SELECT * FROM entries "
            f"WHERE listed = 1 AND (status IN ('failed', 'ambiguous'){extra}) ORDER BY line", ids)]

    def all(self) -> list[Entry]:
        """Every row the library holds, listed or not, in the order they were stored."""
        return [Entry.from_row(r) for r in self.db.query("SELECT * FROM entries ORDER BY id")]

    def listed_count(self) -> int:
        return self.db.table("entries").count_where("listed = 1")

    def unlisted_keys(self) -> set[str]:
        """The row keys of the rows kept though no longer listed."""
        return {r[0] for r in self.db.execute("SELECT row_key FROM entries WHERE listed = 0")}

    def cite_blocks(self) -> list[CiteBlock]:
        return [CiteBlock(r["key"], r["entry_type"], json.loads(r["fields"]), r["line"], r["raw"])
                for r in self.db.table("cite_blocks").rows]


_NON_WORD = re.compile(r"\W+")


def _norm(text: str) -> str:
    return _NON_WORD.sub(" ", text.casefold()).strip()


def row_keys(rows: list[Row]) -> list[str]:
    """A stable identity per row: table, title and link, plus a counter for exact repeats."""
    seen: dict[str, int] = {}
    keys = []
    for row in rows:
        digest = hashlib.sha1(
            f"{row.category}\n{_norm(row.title)}\n{row.paper_url or ''}".encode()).hexdigest()[:16]
        seen[digest] = seen.get(digest, 0) + 1
        keys.append(digest if seen[digest] == 1 else f"{digest}-{seen[digest]}")
    return keys


def entry_record(row: Row, key: str) -> dict[str, Any]:
    """The columns of `entries` that come from the list itself."""
    link = read_link(row.paper_url)
    fingerprint = hashlib.sha1(_JSON.encode(
        [row.title, row.paper_url, row.publication]).encode()).hexdigest()[:16]
    return {
        "row_key": key, "category": row.category, "line": row.line,
        "abbreviation": row.abbreviation, "title": row.title, "publication": row.publication,
        "venue_label": row.venue_label, "label_year": row.label_year,
        "paper_url": row.paper_url, "code_url": row.code_url,
        "extra": _JSON.encode(row.extra) if row.extra else None,
        "link_kind": link.kind if link else None,
        "link_arxiv_id": link.arxiv_id if link else None,
        "link_doi": link.doi if link else None,
        "fingerprint": fingerprint,
    }


def row_to_resolve(entry: dict[str, Any]) -> RowToResolve:
    """An `entries` row (as to_resolve reads it) as the resolver reads it."""
    return RowToResolve(
        id=entry["id"], title=entry["title"], venue_label=entry.get("venue_label"),
        label_year=entry.get("label_year"), link_kind=entry.get("link_kind"),
        has_paper_link=bool(entry.get("paper_url")), publication=entry.get("publication"),
        arxiv_id=entry.get("link_arxiv_id"), doi=entry.get("link_doi"),
        pinned=bool(entry.get("pinned")))
