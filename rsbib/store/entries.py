"""The list as the library stores it: categories, entries (one per row) and cite blocks.

A row gone from the list is kept and marked, never deleted (unless pruned);
every distinct list a sync reads is recorded (rsbib.lists.history).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

from rsbib.lists import history
from rsbib.lists.parse import CiteBlock, ParsedList, Row
from rsbib.metadata.identifiers import read_link
from rsbib.metadata.records import RowToResolve
from rsbib.store import reapply
from rsbib.store.schema import SETTLED, Store


class ListStorage(Store):
    """The `categories`, `entries` and `cite_blocks` tables, filled from a parsed list."""

    def store_list(self, parsed: ParsedList, run_id: int | None = None,
                   prune: bool = False) -> dict[str, int]:
        """Write categories, entries and cite blocks of the list, keeping resolutions.

        An entry whose row is unchanged keeps its work and status; a changed row
        is marked for resolution again. A row gone from the list is never
        deleted: it is marked no longer listed (`listed` = 0, `unlisted_run`),
        keeping its work, key and corrections, and comes back as it was if the
        list lists it again. `prune` deletes the rows no longer listed.
        Returns how many rows were `unlisted` and `pruned` by this call.
        """
        counts = {"unlisted": 0, "pruned": 0}
        with self.db.atomic():
            for cat in parsed.categories:
                self.db.table("categories").upsert(
                    {"slug": cat.slug, "heading": cat.heading, "position": cat.position}, pk="slug")
            existing = {r["row_key"]: r for r in self.db.table("entries").rows}
            seen = set()
            for row, key in zip(parsed.rows, row_keys(parsed.rows)):
                seen.add(key)
                record = {**entry_record(row, key), "listed": 1, "unlisted_run": None}
                old = existing.get(key)
                if old is None:
                    self.db.table("entries").insert({**record, "status": "unresolved"})
                elif old["fingerprint"] != record["fingerprint"]:
                    self.db.table("entries").update(old["id"], {
                        **record, "status": "unresolved", "work_id": None, "method": None,
                        "score": None, "note": "row changed in the list", "candidates": None,
                        "resolved_run": None})
                elif any(old[k] != v for k, v in record.items()):
                    self.db.table("entries").update(old["id"], record)  # moved, listed again, new code link
            for key, old in existing.items():
                if key in seen:
                    continue
                if prune:
                    self.db.table("entries").delete(old["id"])
                    counts["pruned"] += 1
                elif old["listed"]:
                    self.db.table("entries").update(old["id"], {"listed": 0, "unlisted_run": run_id})
                    counts["unlisted"] += 1
            used = {c.slug for c in parsed.categories}
            for slug in [r["slug"] for r in self.db.table("categories").rows]:
                if slug not in used and not self.db.table("entries").count_where("category = ?", [slug]):
                    self.db.table("categories").delete(slug)
            reapply.reattach(self.db)
            self.db.table("cite_blocks").delete_where()
            for block in parsed.cite_blocks:
                self.db.table("cite_blocks").insert({
                    "key": block.key, "entry_type": block.entry_type,
                    "fields": json.dumps(block.fields, ensure_ascii=False),
                    "line": block.line, "raw": block.raw}, replace=True)
        return counts

    def record_list(self, run_id: int | None, source: str | None) -> int | None:
        """Keep this sync's list (rows and the papers they cite) if it differs from the last kept."""
        with self.db.atomic():
            return history.record(self.db, run_id, source)

    def entries_to_resolve(self, refresh: bool = False) -> list[dict]:
        """Entries with no answer yet: never looked up, changed, or failed (all with `refresh`).

        A row that was looked up and found in neither service is an answer
        too; it is asked again only with --refresh or when the row changes.
        A row bound to a paper by hand is looked up by that paper's id, until
        its work carries it; a row marked not a paper by hand is never asked.
        """
        pins = reapply.bindings(self.db)
        marks = ",".join("?" * len(SETTLED))
        pending = {e["id"]: e for e in self.db.table("entries").rows_where(
            "listed = 1" if refresh else f"listed = 1 and status not in ({marks}) "
            "and not (status = 'unresolved' and resolved_run is not null)",
            None if refresh else SETTLED, order_by="id")}
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
        return [pending[i] for i in sorted(pending)]

    def mark_not_looked_up(self, entry_ids: list[int], note: str) -> None:
        with self.db.atomic():
            for entry_id in entry_ids:
                self.db.table("entries").update(entry_id, {"note": note})

    def needs_attention(self, also: Iterable[int] = ()) -> list[dict]:
        """Rows a person should look at: failed, ambiguous, and `also` (ids), in list order."""
        ids = list(also)
        marks = ",".join("?" * len(ids))
        extra = f" OR id IN ({marks})" if ids else ""
        return list(self.db.query(
            "SELECT id, category, line, abbreviation, title, status, note FROM entries "
            f"WHERE listed = 1 AND (status IN ('failed', 'ambiguous'){extra}) ORDER BY line", ids))

    def cite_blocks(self) -> list[CiteBlock]:
        return [CiteBlock(r["key"], r["entry_type"], json.loads(r["fields"]), r["line"], r["raw"])
                for r in self.db.table("cite_blocks").rows]

    def mark_pending(self) -> None:
        """Rows no service has been asked about are `pending` (older libraries said `unresolved`)."""
        with self.db.atomic():
            self.db.execute("UPDATE entries SET status = 'pending' "
                            "WHERE status = 'unresolved' AND resolved_run IS NULL")


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


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


def entry_record(row: Row, key: str) -> dict:
    """The columns of `entries` that come from the list itself."""
    link = read_link(row.paper_url)
    fingerprint = hashlib.sha1(json.dumps(
        [row.title, row.paper_url, row.publication], ensure_ascii=False).encode()).hexdigest()[:16]
    return {
        "row_key": key, "category": row.category, "line": row.line,
        "abbreviation": row.abbreviation, "title": row.title, "publication": row.publication,
        "venue_label": row.venue_label, "label_year": row.label_year,
        "paper_url": row.paper_url, "code_url": row.code_url,
        "extra": json.dumps(row.extra, ensure_ascii=False) if row.extra else None,
        "link_kind": link.kind if link else None,
        "link_arxiv_id": link.arxiv_id if link else None,
        "link_doi": link.doi if link else None,
        "fingerprint": fingerprint,
    }


def row_to_resolve(entry: dict[str, Any]) -> RowToResolve:
    """An `entries` row (as entries_to_resolve gives it) as the resolver reads it."""
    return RowToResolve(
        id=entry["id"], title=entry["title"], venue_label=entry.get("venue_label"),
        label_year=entry.get("label_year"), link_kind=entry.get("link_kind"),
        has_paper_link=bool(entry.get("paper_url")), publication=entry.get("publication"),
        arxiv_id=entry.get("link_arxiv_id"), doi=entry.get("link_doi"),
        pinned=bool(entry.get("pinned")))

