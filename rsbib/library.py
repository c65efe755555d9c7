"""library.db: schema, atomic writes, one work per paper, stable keys.

sqlite-utils does the table work. Every write of a sync goes through
`db.atomic()` (in sqlite-utils 4 `with db.conn:` is not atomic), so a failed
or killed run leaves the file as it was after its last whole batch.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlite_utils

from . import citekeys, history
from .awesome import CiteBlock, ParsedList, Row
from .identifiers import normalize_arxiv_id, publication_doi, read_link
from .records import Author, Outcome, RowToResolve, WorkRecord

SCHEMA_VERSION = 5
STATUSES = ("resolved", "pending", "unresolved", "ambiguous", "failed", "not-a-paper")
# `pending`: no service has been asked about the row yet (new, changed, offline, interrupted);
# `unresolved`: asked, and no service holds the paper.
# Statuses whose answer is final until the row changes or --refresh is given.
SETTLED = ("resolved", "ambiguous", "not-a-paper")
FAILED_AGAIN = "kept the previous answer; a later look-up failed: "

WORK_COLUMNS = {
    "id": int, "citekey": str, "doi": str, "arxiv_id": str, "title": str, "authors": str,
    "year": int, "month": int, "venue": str, "type": str, "volume": str, "issue": str,
    "pages": str, "publisher": str, "url": str, "abstract": str, "arxiv_title": str,
    "arxiv_year": int, "primary_class": str, "journal_ref": str, "title_en": str,
    "venue_source": str, "key_source": str, "created_run": int, "updated_run": int,
    "corrected": str,
}
ENTRY_COLUMNS = {
    "id": int, "row_key": str, "category": str, "line": int, "abbreviation": str,
    "title": str, "publication": str, "venue_label": str, "label_year": int,
    "paper_url": str, "code_url": str, "extra": str, "link_kind": str,
    "link_arxiv_id": str, "link_doi": str, "fingerprint": str, "work_id": int,
    "status": str, "method": str, "score": float, "note": str, "candidates": str,
    "citekey": str, "resolved_run": int,
}


# The bibliography as `rsbib export` writes it: every work a row of the list cites, and every
# row with no work (unresolved, not a paper), so a category shows all of its rows. Stored in
# the `papers` table (rebuilt whenever a writer closes the library) so browsing stays fast.
PAPERS_SELECT = """
SELECT w.citekey, w.title, w.authors, w.year, w.venue, w.type, w.doi, w.arxiv_id,
       cited.categories, 'resolved' AS status, cited.rows, w.id AS work_id, NULL AS entry_id
FROM works w JOIN (
    SELECT work_id, json_group_array(category) AS categories, sum(n) AS rows FROM (
        SELECT e.work_id, e.category, count(*) AS n, min(c.position) AS position
        FROM entries e JOIN categories c ON c.slug = e.category
        WHERE e.work_id IS NOT NULL GROUP BY e.work_id, e.category ORDER BY e.work_id, position)
    GROUP BY work_id) cited ON cited.work_id = w.id
UNION ALL
SELECT e.citekey, e.title, NULL, e.label_year, e.publication, NULL, e.link_doi, e.link_arxiv_id,
       json_array(e.category), e.status, 1, NULL, e.id
FROM entries e WHERE e.work_id IS NULL
ORDER BY year DESC, citekey
"""
PAPERS_COLUMNS = {"citekey": str, "title": str, "authors": str, "year": int, "venue": str,
                  "type": str, "doi": str, "arxiv_id": str, "categories": str, "status": str,
                  "rows": int, "work_id": int, "entry_id": int}
SEARCHED = {"works": ["title", "authors", "venue", "abstract"],
            "entries": ["title", "abbreviation", "publication"]}


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


LEAVE_WAL_WAIT = 2.0  # seconds a closing sync waits for the reads running to end, to leave WAL


class LibraryError(Exception):
    """library.db cannot be opened or is not an rsbib library."""


class Library:
    """library.db opened for reading and writing."""

    def __init__(self, path: str | Path, readonly: bool = False, busy_timeout: float = 30.0):
        """Open (and create or upgrade) a library; `readonly` never writes to the file.

        `busy_timeout`: seconds to wait for another program's lock before failing.
        """
        self.path = Path(path)
        self.readonly = readonly
        try:
            if readonly:
                self.db = sqlite_utils.Database(sqlite3.connect(read_only_uri(self.path), uri=True))
            else:
                self.db = sqlite_utils.Database(self.path)
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            self._migrate()
        except LibraryError as exc:
            raise LibraryError(f"{self.path}: {exc}") from exc
        except sqlite3.Error as exc:
            raise LibraryError(f"{self.path}: cannot open as a library ({exc})") from exc

    @classmethod
    def reader(cls, connection: sqlite3.Connection, path: str | Path) -> Library:
        """A read-only view of a library through a connection someone else opened (Datasette's)."""
        library = cls.__new__(cls)
        library.path, library.readonly = Path(path), True
        library.db = sqlite_utils.Database(connection)
        return library

    # -- schema -----------------------------------------------------------------

    def _migrate(self) -> None:
        """Create a new library, or upgrade an older one in place, one schema version at a time."""
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LibraryError(f"made by a newer rsbib (schema {version} > {SCHEMA_VERSION})")
        if version == 0 and self.db.table_names():
            raise LibraryError("is a SQLite file but not an rsbib library")
        if self.readonly:
            if version < SCHEMA_VERSION:
                raise LibraryError("is an older or empty library; run `rsbib sync` first")
            return
        steps = {0: self._create_schema, 1: self._add_corrections, 2: self._add_history,
                 3: self._add_run_services, 4: self._browse_schema}
        while version < SCHEMA_VERSION:
            with self.db.atomic():
                steps[version]()
                version += 1
                self.db.execute(f"PRAGMA user_version = {version}")

    def use_wal(self) -> None:
        """While a sync writes: readers (Datasette) never wait for it, nor it for them.

        The switch needs a moment with no reader, which a stream of readers
        never leaves; a write in exclusive locking mode makes one (its commit
        holds readers off while it waits), and keeps the lock for the switch.
        """
        if self.db.journal_mode == "wal":
            return
        self._switch_journal("wal")

    def _switch_journal(self, mode: str) -> None:
        """Switch to journal `mode` under an exclusive lock taken by a write in exclusive locking mode.

        The write waits for the lock (busy timeout) holding new readers off
        while the running reads end, and keeps it for the switch; leaving WAL
        by itself would try for the lock once, without waiting. Raises
        sqlite3.OperationalError when the lock did not come in time.
        """
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        self.db.execute("PRAGMA locking_mode = EXCLUSIVE")
        try:
            with self.db.atomic():
                self.db.execute(f"PRAGMA user_version = {version}")
            self.db.execute("PRAGMA locking_mode = NORMAL")  # takes effect after the switch
            self.db.execute(f"PRAGMA journal_mode = {mode}")
        finally:
            self.db.execute("PRAGMA locking_mode = NORMAL")
            self.db.execute("SELECT 1 FROM sqlite_master LIMIT 1")  # lets the exclusive lock go

    def _add_corrections(self) -> None:
        """Schema 2: corrections made by hand, and which fields of a work they changed."""
        self.db["corrections"].create({
            "id": int, "row_key": str, "line": int, "title": str, "category": str,
            "paper_url": str, "abbreviation": str, "field": str, "value": str,
            "created_at": str}, pk="id", not_null={"row_key", "field"})
        self.db["corrections"].create_index(["row_key", "field"], unique=True)
        self.db["works"].add_column("corrected", str)

    def _add_history(self) -> None:
        """Schema 3: rows no longer listed are kept and marked; every distinct list read is recorded.

        An upgraded library records the list it holds as its first version.
        """
        self.db["entries"].add_column("listed", int, not_null_default=1)
        self.db["entries"].add_column("unlisted_run", int)
        self.db["entries"].create_index(["listed"])
        history.create_table(self.db)
        last_run = self.db.execute("SELECT max(id) FROM sync_runs").fetchone()[0]
        source = self.db.execute("SELECT source FROM sync_runs WHERE id = ?", [last_run]).fetchone()
        history.record(self.db, last_run, source[0] if source else None)

    def _add_run_services(self) -> None:
        """Schema 4: one row per run and service (address, requests, failures), for any number of services.

        The figures of earlier runs move out of sync_runs' per-service columns
        (each step tolerates a file that already has part of it).
        """
        if "run_services" not in self.db.table_names():
            self.db["run_services"].create(
                {"run_id": int, "service": str, "url": str, "requests": int, "failures": int},
                pk=("run_id", "service"), foreign_keys=[("run_id", "sync_runs", "id")])
        old = set(self.db["sync_runs"].columns_dict)
        for service in ("arxiv", "crossref"):
            if {f"{service}_url", f"requests_{service}"} <= old:
                self.db.execute(
                    "INSERT OR IGNORE INTO run_services (run_id, service, url, requests) "
                    f"SELECT id, ?, {service}_url, requests_{service} FROM sync_runs", [service])
        for column in ("arxiv_url", "crossref_url", "requests_arxiv", "requests_crossref"):
            if column in old:
                self.db.execute(f"ALTER TABLE sync_runs DROP COLUMN {column}")

    def _browse_schema(self) -> None:
        """Schema 5: a `papers` table of every row of the bibliography; search stems (porter)."""
        if "papers" in self.db.view_names():
            self.db.execute("DROP VIEW papers")
        self.db["papers"].create(PAPERS_COLUMNS, replace=True)
        for column in ("year", "status", "work_id"):
            self.db["papers"].create_index([column])
        self.refresh_papers()
        for table, columns in SEARCHED.items():
            self.db[table].disable_fts()
            self.db[table].enable_fts(columns, create_triggers=True, tokenize="porter")

    def _create_schema(self) -> None:
        db = self.db
        db["sync_runs"].create({
            "id": int, "started_at": str, "finished_at": str, "source": str,
            "source_sha256": str, "rsbib_version": str, "arxiv_url": str,
            "crossref_url": str, "offline": int, "refresh": int, "rows": int,
            "resolved": int, "ambiguous": int, "unresolved": int, "failed": int,
            "not_a_paper": int, "requests_arxiv": int, "requests_crossref": int,
            "exit_code": int,
        }, pk="id")
        db["categories"].create({"slug": str, "heading": str, "position": int}, pk="slug")
        db["works"].create({k: v for k, v in WORK_COLUMNS.items() if k != "corrected"},
                           pk="id", not_null={"title"},
                           foreign_keys=[("created_run", "sync_runs", "id"),
                                         ("updated_run", "sync_runs", "id")])
        for column in ("doi", "arxiv_id", "citekey"):
            db["works"].create_index([column], unique=True)
        db["authors"].create({"id": int, "name": str, "family": str, "given": str},
                             pk="id", not_null={"name"})
        db["authors"].create_index(["name"], unique=True)
        db["work_authors"].create(
            {"work_id": int, "position": int, "author_id": int},
            pk=("work_id", "position"),
            foreign_keys=[("work_id", "works", "id"), ("author_id", "authors", "id")])
        db["work_authors"].create_index(["author_id"])
        db["entries"].create(ENTRY_COLUMNS, pk="id", not_null={"row_key", "category", "title"},
                             foreign_keys=[("category", "categories", "slug"),
                                           ("work_id", "works", "id"),
                                           ("resolved_run", "sync_runs", "id")])
        db["entries"].create_index(["row_key"], unique=True)
        db["entries"].create_index(["work_id"])
        db["entries"].create_index(["status"])
        db["cite_blocks"].create({"key": str, "entry_type": str, "fields": str, "line": int,
                                  "raw": str, "work_id": int}, pk="key",
                                 foreign_keys=[("work_id", "works", "id")])
        db["responses"].create({"id": int, "run_id": int, "service": str, "url": str,
                                "status": int, "headers": str, "body": str,
                                "elapsed_ms": int, "fetched_at": str}, pk="id",
                               foreign_keys=[("run_id", "sync_runs", "id")])
        db["responses"].create_index(["url"])
        for table, columns in SEARCHED.items():
            db[table].enable_fts(columns, create_triggers=True)

    # -- runs and raw responses ---------------------------------------------------

    def start_run(self, **details) -> int:
        with self.db.atomic():
            table = self.db["sync_runs"]
            table.insert({"started_at": now(), **details})
            return table.last_pk

    def finish_run(self, run_id: int, **details) -> None:
        with self.db.atomic():
            self.db["sync_runs"].update(run_id, {"finished_at": now(), **details}, alter=True)

    def record_services(self, run_id: int, figures: Iterable[dict[str, Any]]) -> None:
        """Per-service figures of a run: dicts of service, url, requests, failures."""
        with self.db.atomic():
            self.db["run_services"].upsert_all(({"run_id": run_id, **f} for f in figures),
                                               pk=("run_id", "service"))

    def _store_responses(self, run_id: int, responses: Iterable[tuple]) -> None:
        """Keep raw API answers with their request, status and time."""
        self.db["responses"].insert_all(
            {"run_id": run_id, "service": service, "url": url, "status": status,
             "headers": json.dumps(headers), "body": body, "elapsed_ms": elapsed_ms,
             "fetched_at": now()}
            for service, url, status, headers, body, elapsed_ms in responses)

    # -- the list ---------------------------------------------------------------

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
                self.db["categories"].upsert(
                    {"slug": cat.slug, "heading": cat.heading, "position": cat.position}, pk="slug")
            existing = {r["row_key"]: r for r in self.db["entries"].rows}
            seen = set()
            for row, key in zip(parsed.rows, row_keys(parsed.rows)):
                seen.add(key)
                record = {**entry_record(row, key), "listed": 1, "unlisted_run": None}
                old = existing.get(key)
                if old is None:
                    self.db["entries"].insert({**record, "status": "unresolved"})
                elif old["fingerprint"] != record["fingerprint"]:
                    self.db["entries"].update(old["id"], {
                        **record, "status": "unresolved", "work_id": None, "method": None,
                        "score": None, "note": "row changed in the list", "candidates": None,
                        "resolved_run": None})
                elif any(old[k] != v for k, v in record.items()):
                    self.db["entries"].update(old["id"], record)  # moved, listed again, new code link
            for key, old in existing.items():
                if key in seen:
                    continue
                if prune:
                    self.db["entries"].delete(old["id"])
                    counts["pruned"] += 1
                elif old["listed"]:
                    self.db["entries"].update(old["id"], {"listed": 0, "unlisted_run": run_id})
                    counts["unlisted"] += 1
            used = {c.slug for c in parsed.categories}
            for slug in [r["slug"] for r in self.db["categories"].rows]:
                if slug not in used and not self.db["entries"].count_where("category = ?", [slug]):
                    self.db["categories"].delete(slug)
            self._reattach_corrections()
            self.db["cite_blocks"].delete_where()
            for block in parsed.cite_blocks:
                self.db["cite_blocks"].insert({
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
        from .corrections import NOT_A_PAPER, bindings

        pins = bindings(self)
        marks = ",".join("?" * len(SETTLED))
        pending = {e["id"]: e for e in self.db["entries"].rows_where(
            "listed = 1" if refresh else f"listed = 1 and status not in ({marks}) "
            "and not (status = 'unresolved' and resolved_run is not null)",
            None if refresh else SETTLED, order_by="id")}
        for entry in self.db["entries"].rows_where("listed = 1", order_by="id") if pins else ():
            pin = pins.get(entry["row_key"])
            if not pin:
                continue
            if NOT_A_PAPER in pin:
                pending.pop(entry["id"], None)
                continue
            work = self.db["works"].get(entry["work_id"]) if entry["work_id"] else {}
            if refresh or any(work.get(f) != v for f, v in pin.items()):
                pending[entry["id"]] = {**entry, "link_doi": pin.get("doi"),
                                        "link_arxiv_id": pin.get("arxiv_id"), "pinned": True}
        return [pending[i] for i in sorted(pending)]

    def mark_not_looked_up(self, entry_ids: list[int], note: str) -> None:
        with self.db.atomic():
            for entry_id in entry_ids:
                self.db["entries"].update(entry_id, {"note": note})

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
                for r in self.db["cite_blocks"].rows]

    # -- resolution results ---------------------------------------------------------

    def save_outcomes(self, outcomes: Iterable[Outcome], run_id: int,
                      responses: Iterable[tuple] = ()) -> list[int]:
        """Store one batch atomically: raw answers, works merged, entries pointed at them, keys.

        A failure never degrades an earlier answer: a resolved row whose new
        look-up failed keeps its work and status. Returns the ids of those rows.
        """
        kept = []
        with self.db.atomic():
            self._store_responses(run_id, responses)
            for outcome in outcomes:
                if outcome.status == "failed" and self._keep_settled(outcome):
                    kept.append(outcome.entry_id)
                    continue
                known = self._id_less_work(outcome)
                work_id = (self.upsert_work(outcome.work, run_id) if known is None
                           else self.upsert_work(outcome.work, run_id, known)) if outcome.work else None
                self.db["entries"].update(outcome.entry_id, {
                    "status": outcome.status, "work_id": work_id, "method": outcome.method,
                    "score": outcome.score, "note": outcome.note,
                    "candidates": json.dumps(outcome.candidates, ensure_ascii=False)
                    if outcome.candidates else None,
                    "resolved_run": run_id})
            self.assign_keys()
            self.apply_corrections()
        return kept

    def _keep_settled(self, outcome: Outcome) -> bool:
        """A failed look-up of a settled row (a --refresh) keeps its answer and notes the failure."""
        old = self.db["entries"].get(outcome.entry_id)
        settled = old["status"] in SETTLED or (
            old["status"] == "unresolved" and old["resolved_run"] is not None)
        if not settled or (old["status"] == "resolved" and old["work_id"] is None):
            return False
        before = (old["note"] or "").split(FAILED_AGAIN)[0].rstrip("; ")
        note = f"{before}; {FAILED_AGAIN}{outcome.note}" if before else f"{FAILED_AGAIN}{outcome.note}"
        self.db["entries"].update(outcome.entry_id, {"note": note})
        return True

    def _reattach_corrections(self) -> None:
        from .corrections import reattach  # corrections builds on this module

        reattach(self)

    def apply_corrections(self) -> None:
        from .corrections import apply_all  # corrections builds on this module

        apply_all(self)

    def find_works(self, doi: str | None, arxiv_id: str | None) -> list[dict]:
        """Works that hold this DOI or this arXiv id (two when a merge is due)."""
        found: dict[int, dict] = {}
        for column, value in (("doi", doi), ("arxiv_id", arxiv_id)):
            if value:
                for row in self.db["works"].rows_where(f"{column} = ?", [value]):
                    found[row["id"]] = row
        return sorted(found.values(), key=lambda r: r["id"])

    def _id_less_work(self, outcome: Outcome) -> int | None:
        """The row's current work when it and the new record have no DOI and no arXiv id (DBLP-only)."""
        work = outcome.work
        if work is None or work.doi or work.arxiv_id:
            return None
        old = self.db["entries"].get(outcome.entry_id)
        current = self.db["works"].get(old["work_id"]) if old["work_id"] else None
        if current and not current["doi"] and not current["arxiv_id"] and current["title"] == work.title:
            return int(current["id"])
        return None

    def upsert_work(self, record: WorkRecord, run_id: int, known: int | None = None) -> int:
        """Insert or update the one work for this paper; merge works that turn out to be one.

        `known`: the work this record updates when it has no identifier to find it by.
        """
        matches = self.find_works(record.doi, record.arxiv_id) or (
            [self.db["works"].get(known)] if known is not None else [])
        # Empty values never overwrite known ones ("" from a sparse record is no answer).
        values = {k: (None if v == "" else v) for k, v in record.to_dict().items()
                  if k in WORK_COLUMNS}
        values["authors"] = " and ".join(a.name for a in record.authors) or None
        values["updated_run"] = run_id
        if not matches:
            work_id = self.db["works"].insert({**values, "created_run": run_id}).last_pk
        else:
            keep, *others = matches
            work_id = keep["id"]
            for other in others:
                self._merge_work(into=work_id, other=other)
            merged = {k: (v if v is not None else keep.get(k)) for k, v in values.items()}
            self.db["works"].update(work_id, merged)
        self.set_authors(work_id, record.authors)
        return work_id

    def _merge_work(self, into: int, other: dict) -> None:
        """Fold `other` into work `into`: its entries follow, its key is not lost."""
        self.db.execute("UPDATE entries SET work_id = ? WHERE work_id = ?", [into, other["id"]])
        self.db.execute("UPDATE cite_blocks SET work_id = ? WHERE work_id = ?", [into, other["id"]])
        self.db.execute("DELETE FROM work_authors WHERE work_id = ?", [other["id"]])
        self.db["works"].delete(other["id"])
        keep = self.db["works"].get(into)
        if other.get("citekey") and (other["id"] < into or not keep.get("citekey")):
            self.db["works"].update(into, {"citekey": other["citekey"],
                                           "key_source": other.get("key_source")})

    def set_authors(self, work_id: int, authors: list[Author]) -> None:
        if not authors:
            return
        self.db.execute("DELETE FROM work_authors WHERE work_id = ?", [work_id])
        for position, author in enumerate(authors, 1):
            author_id = self.db["authors"].lookup(
                {"name": author.name}, {"family": author.family, "given": author.given})
            self.db["work_authors"].insert(
                {"work_id": work_id, "position": position, "author_id": author_id})

    # -- keys ---------------------------------------------------------------------

    def taken_keys(self) -> citekeys.KeySet:
        return citekeys.KeySet(r[0] for r in self.db.execute(
            "SELECT citekey FROM works WHERE citekey IS NOT NULL UNION ALL "
            "SELECT citekey FROM entries WHERE citekey IS NOT NULL AND work_id IS NULL"))

    def assign_keys(self, inherit: bool = True) -> None:
        """Give every work without a key one; cite blocks of the list pin theirs.

        A work that a row with a key (given while it was unresolved) now points
        at inherits that key, so what was cited before still compiles.

        A key once given is never changed here; only `rekey` regenerates.
        """
        self._pin_cite_block_keys()
        taken = self.taken_keys()
        for work in self.db["works"].rows_where("citekey IS NULL", order_by="id"):
            inherited = self._entry_key_for(work["id"]) if inherit else None
            key = taken.claim(inherited or self._base_key(work))
            self.db["works"].update(work["id"], {
                "citekey": key, "key_source": "entry" if inherited else "generated"})

    def key_unresolved_rows(self) -> None:
        """Settled rows without a work get a key too, so they can be cited (and keep it).

        Rows that failed or were never looked up get none yet: their paper may
        still be found, and its key should then be the paper's.
        """
        with self.db.atomic():
            taken = self.taken_keys()
            for entry in self.db["entries"].rows_where(
                    "work_id IS NULL AND citekey IS NULL AND (status IN ('ambiguous', 'not-a-paper') "
                    "OR (status = 'unresolved' AND resolved_run IS NOT NULL))", order_by="id"):
                key = taken.claim(entry_base_key(entry))
                self.db["entries"].update(entry["id"], {"citekey": key})

    def _entry_key_for(self, work_id: int) -> str | None:
        """A key given earlier to an unresolved row that now resolved to this work."""
        for entry in self.db["entries"].rows_where("work_id = ? AND citekey IS NOT NULL",
                                                   [work_id], order_by="id"):
            clash = self.db.execute("SELECT 1 FROM works WHERE citekey = ? COLLATE NOCASE",
                                    [entry["citekey"]]).fetchone()
            if not clash:
                return entry["citekey"]
        return None

    def _base_key(self, work: dict) -> str:
        first = self.db.execute(
            "SELECT a.family FROM work_authors wa JOIN authors a ON a.id = wa.author_id "
            "WHERE wa.work_id = ? ORDER BY wa.position LIMIT 1", [work["id"]]).fetchone()
        title = work["title_en"] or work["title"]
        return citekeys.base_key(first[0] if first else None, work["year"], title)

    def _pin_cite_block_keys(self) -> None:
        """A cite block written in the list names its paper's key; only a user's key outranks it."""
        for block in self.cite_blocks():
            work = self.work_for_cite_block(block)
            if work is None:
                continue
            self.db["cite_blocks"].update(block.key, {"work_id": work["id"]})
            if work.get("key_source") == "user" or work.get("citekey") == block.key:
                continue
            self.db.execute("UPDATE works SET citekey = NULL, key_source = NULL "
                            "WHERE citekey = ? COLLATE NOCASE", [block.key])
            self.db["works"].update(work["id"], {"citekey": block.key, "key_source": "cite-block"})

    def work_for_cite_block(self, block: CiteBlock) -> dict | None:
        arxiv_id = normalize_arxiv_id(block.fields.get("eprint", ""))
        doi = publication_doi(block.fields.get("doi"))
        found = self.find_works(doi, arxiv_id)
        return found[0] if found else None

    def rekey(self, dry_run: bool = False) -> list[tuple[str, str]]:
        """Regenerate every generated key from current metadata; pinned keys stay.

        Returns (old, new) for each key that changes; `dry_run` changes nothing.
        """
        keys = ("SELECT 'w' || w.id, w.citekey FROM works w UNION ALL "
                "SELECT 'e' || e.id, e.citekey FROM entries e WHERE e.work_id IS NULL")
        try:
            with self.db.atomic():
                before = dict(self.db.execute(keys))
                self.db.execute("UPDATE works SET citekey = NULL "
                                "WHERE coalesce(key_source, '') NOT IN ('cite-block', 'user')")
                self.db.execute("UPDATE entries SET citekey = NULL")
                self.assign_keys(inherit=False)
                self.key_unresolved_rows()
                changes = [(before[i], key) for i, key in self.db.execute(keys)
                           if before.get(i) and before[i] != key]
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        return sorted(changes)

    def mark_pending(self) -> None:
        """Rows no service has been asked about are `pending` (older libraries said `unresolved`)."""
        with self.db.atomic():
            self.db.execute("UPDATE entries SET status = 'pending' "
                            "WHERE status = 'unresolved' AND resolved_run IS NULL")

    # -- reading ------------------------------------------------------------------

    def status_counts(self) -> dict:
        """Rows per category and status, plus totals; rows no longer listed are counted apart."""
        counts: dict[str, dict[str, int]] = {}
        listed_in = {r[0] for r in self.db.execute("SELECT DISTINCT category FROM entries "
                                                   "WHERE listed = 1")}
        kept_only = {r[0] for r in self.db.execute("SELECT DISTINCT category FROM entries")} - listed_in
        for cat in self.db["categories"].rows_where(order_by="position"):
            if cat["slug"] not in kept_only:
                counts[cat["slug"]] = {s: 0 for s in STATUSES}
        for slug, status, n in self.db.execute(
                "SELECT category, CASE WHEN status = 'unresolved' AND resolved_run IS NULL "
                "THEN 'pending' ELSE status END AS shown, count(*) FROM entries WHERE listed = 1 "
                "GROUP BY category, shown"):
            counts.setdefault(slug, {s: 0 for s in STATUSES})[status] = n
        totals = {s: sum(c[s] for c in counts.values()) for s in STATUSES}
        works = self.db["works"].count
        return {
            "rows": sum(totals.values()),
            "works": works,
            "totals": totals,
            "unlisted": self.db["entries"].count_where("listed = 0"),
            "categories": {slug: {"rows": sum(c.values()), **c} for slug, c in counts.items()},
        }

    def checkpoint(self) -> None:
        """Fold the WAL into the main file so the file alone is the whole library.

        Readers in the middle of a read hold it back; then it is left for the
        last connection to close, rather than making a sync wait for Datasette.
        """
        self.db.execute("PRAGMA busy_timeout = 100")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def refresh_papers(self) -> None:
        """Rebuild the `papers` table from works and entries (newest first, then by key).

        Nothing is written when it already holds those rows: a command that
        changed nothing (a dry run, a rolled-back batch) leaves the file as it was.
        """
        stale = self.db.execute(
            f"SELECT EXISTS (SELECT * FROM papers EXCEPT SELECT * FROM ({PAPERS_SELECT})) "
            f"OR EXISTS (SELECT * FROM ({PAPERS_SELECT}) EXCEPT SELECT * FROM papers)").fetchone()[0]
        if not stale:
            return
        with self.db.atomic():
            self.db.execute("DELETE FROM papers")
            self.db.execute(f"INSERT INTO papers SELECT * FROM ({PAPERS_SELECT})")

    def close(self) -> None:
        """Leave the file in rollback-journal mode: one file, readable from a read-only folder."""
        if not self.readonly and self.db.conn.total_changes:  # rows changed: papers follows
            self.refresh_papers()
        if not self.readonly and self.db.journal_mode == "wal":
            self.checkpoint()
            self.db.execute(f"PRAGMA busy_timeout = {int(LEAVE_WAL_WAIT * 1000)}")
            try:
                self._switch_journal("delete")
            except sqlite3.OperationalError:
                pass  # a reader (Datasette) holds it open: it stays WAL until the next close
        self.db.close()


class _DryRun(Exception):
    """Rolls a dry run's transaction back."""


def read_only_uri(path: Path) -> str:
    """A URI that reads without writing: -wal/-shm are never created beside the file.

    A library left in WAL mode with no -wal file (no writer has it open) is
    read as immutable, which needs no -shm, so it reads in a read-only folder too.
    """
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        with open(path, "rb") as handle:
            header = handle.read(20)
    except OSError:
        return uri
    wal = header.startswith(b"SQLite format 3\x00") and header[18:20] == b"\x02\x02"
    if wal and not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    return uri


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


def entry_base_key(entry: dict) -> str:
    """Key for a row with no work: its abbreviation (or first title word) and label year."""
    word = citekeys.ascii_word(entry["abbreviation"] or "") or citekeys.first_significant_word(
        entry["title"])
    return f"{word}{entry['label_year'] or ''}"
