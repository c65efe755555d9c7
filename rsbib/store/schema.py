"""library.db's tables: their columns, how a new file gets them, how an older one is upgraded.

The upgrade ladder goes one schema version at a time (`PRAGMA user_version`);
each step runs in its own transaction.
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlite_utils

from rsbib import RsbibError
from rsbib.metadata.records import EntryStatus
from rsbib.store import versions

SCHEMA_VERSION = 8
STATUSES = tuple(s.value for s in EntryStatus)  # in the order `status` prints them
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
# The full-text indexes: words of titles, venues and abstracts are stemmed (porter), names
# are not (NAMES), so "change" finds "changes" and never the author "Chang".
SEARCHED = {"works": ["title", "venue", "abstract"],
            "entries": ["title", "abbreviation", "publication"]}
NAMES = {"authors": ["name"]}


def now() -> str:
    """The current UTC time as stored in the library (seconds, ISO 8601)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class LibraryError(RsbibError):
    """library.db cannot be opened or is not an rsbib library."""


def migrate(db: sqlite_utils.Database, readonly: bool) -> None:
    """Create a new library, or upgrade an older one in place, one schema version at a time."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise LibraryError(f"made by a newer rsbib (schema {version} > {SCHEMA_VERSION})")
    if version == 0 and db.table_names():
        raise LibraryError("is a SQLite file but not an rsbib library")
    if readonly:
        if version < SCHEMA_VERSION:
            raise LibraryError("is an older or empty library; run `rsbib sync` first")
        return
    steps = {0: create_schema, 1: add_corrections, 2: add_history,
             3: add_run_services, 4: browse_schema, 5: search_schema, 6: pending_and_kept_answers,
             7: keep_uncorrected}
    while version < SCHEMA_VERSION:
        with db.atomic():
            steps[version](db)
            version += 1
            db.execute(f"PRAGMA user_version = {version}")


def create_schema(db: sqlite_utils.Database) -> None:
    db.table("sync_runs").create({
        "id": int, "started_at": str, "finished_at": str, "source": str,
        "source_sha256": str, "rsbib_version": str, "arxiv_url": str,
        "crossref_url": str, "offline": int, "refresh": int, "rows": int,
        "resolved": int, "ambiguous": int, "unresolved": int, "failed": int,
        "not_a_paper": int, "requests_arxiv": int, "requests_crossref": int,
        "exit_code": int,
    }, pk="id")
    db.table("categories").create({"slug": str, "heading": str, "position": int}, pk="slug")
    db.table("works").create({k: v for k, v in WORK_COLUMNS.items() if k != "corrected"},
                       pk="id", not_null={"title"},
                       foreign_keys=[("created_run", "sync_runs", "id"),
                                     ("updated_run", "sync_runs", "id")])
    for column in ("doi", "arxiv_id", "citekey"):
        db.table("works").create_index([column], unique=True)
    db.table("authors").create({"id": int, "name": str, "family": str, "given": str},
                         pk="id", not_null={"name"})
    db.table("authors").create_index(["name"], unique=True)
    db.table("work_authors").create(
        {"work_id": int, "position": int, "author_id": int},
        pk=("work_id", "position"),
        foreign_keys=[("work_id", "works", "id"), ("author_id", "authors", "id")])
    db.table("work_authors").create_index(["author_id"])
    db.table("entries").create(ENTRY_COLUMNS, pk="id", not_null={"row_key", "category", "title"},
                         foreign_keys=[("category", "categories", "slug"),
                                       ("work_id", "works", "id"),
                                       ("resolved_run", "sync_runs", "id")])
    db.table("entries").create_index(["row_key"], unique=True)
    db.table("entries").create_index(["work_id"])
    db.table("entries").create_index(["status"])
    db.table("cite_blocks").create({"key": str, "entry_type": str, "fields": str, "line": int,
                              "raw": str, "work_id": int}, pk="key",
                             foreign_keys=[("work_id", "works", "id")])
    db.table("responses").create({"id": int, "run_id": int, "service": str, "url": str,
                            "status": int, "headers": str, "body": str,
                            "elapsed_ms": int, "fetched_at": str}, pk="id",
                           foreign_keys=[("run_id", "sync_runs", "id")])
    db.table("responses").create_index(["url"])
    for table, columns in SEARCHED.items():
        db.table(table).enable_fts(columns, create_triggers=True)


def add_corrections(db: sqlite_utils.Database) -> None:
    """Schema 2: corrections made by hand, and which fields of a work they changed."""
    db.table("corrections").create({
        "id": int, "row_key": str, "line": int, "title": str, "category": str,
        "paper_url": str, "abbreviation": str, "field": str, "value": str,
        "created_at": str}, pk="id", not_null={"row_key", "field"})
    db.table("corrections").create_index(["row_key", "field"], unique=True)
    db.table("works").add_column("corrected", str)


def add_history(db: sqlite_utils.Database) -> None:
    """Schema 3: rows no longer listed are kept and marked; every distinct list read is recorded.

    An upgraded library records the list it holds as its first version.
    """
    db.table("entries").add_column("listed", int, not_null_default=1)
    db.table("entries").add_column("unlisted_run", int)
    db.table("entries").create_index(["listed"])
    versions.create_table(db)
    last_run = db.execute("SELECT max(id) FROM sync_runs").fetchone()[0]
    source = db.execute("SELECT source FROM sync_runs WHERE id = ?", [last_run]).fetchone()
    versions.ListVersions(db).record(last_run, source[0] if source else None)


def add_run_services(db: sqlite_utils.Database) -> None:
    """Schema 4: one row per run and service (address, requests, failures), for any number of services.

    The figures of earlier runs move out of sync_runs' per-service columns
    (each step tolerates a file that already has part of it).
    """
    if "run_services" not in db.table_names():
        db.table("run_services").create(
            {"run_id": int, "service": str, "url": str, "requests": int, "failures": int},
            pk=("run_id", "service"), foreign_keys=[("run_id", "sync_runs", "id")])
    old = set(db.table("sync_runs").columns_dict)
    for service in ("arxiv", "crossref"):
        if {f"{service}_url", f"requests_{service}"} <= old:
            db.execute(
                "INSERT OR IGNORE INTO run_services (run_id, service, url, requests) "
                f"SELECT id, ?, {service}_url, requests_{service} FROM sync_runs", [service])
    for column in ("arxiv_url", "crossref_url", "requests_arxiv", "requests_crossref"):
        if column in old:
            db.execute(f"ALTER TABLE sync_runs DROP COLUMN {column}")


def browse_schema(db: sqlite_utils.Database) -> None:
    """Schema 5: a `papers` table of every row of the bibliography; search stems (porter)."""
    if "papers" in db.view_names():
        db.execute("DROP VIEW papers")
    db.table("papers").create(PAPERS_COLUMNS, replace=True)
    for column in ("year", "status", "work_id"):
        db.table("papers").create_index([column])
    refresh_papers(db)
    for table, columns in SEARCHED.items():
        db.table(table).disable_fts()
        db.table(table).enable_fts(columns, create_triggers=True, tokenize="porter")


def search_schema(db: sqlite_utils.Database) -> None:
    """Schema 6: abstracts searched, names indexed apart and unstemmed (authors_fts).

    works_fts is rebuilt without the authors column (a name is not a word to stem) and with
    the abstract; authors get an index of their own, matched as written.
    """
    if "abstract" not in db.table("works").columns_dict:
        db.table("works").add_column("abstract", str)
    for table in {**SEARCHED, **NAMES}:
        if db.table(table).detect_fts():
            db.table(table).disable_fts()
    for table, columns in SEARCHED.items():
        db.table(table).enable_fts(columns, create_triggers=True, tokenize="porter")
    for table, columns in NAMES.items():
        db.table(table).enable_fts(columns, create_triggers=True)


def pending_and_kept_answers(db: sqlite_utils.Database) -> None:
    """Schema 7: `pending` stored one way; the sources' kept answers and `about` in the schema.

    Rows no service was asked about were once stored as `unresolved` with no
    `resolved_run` (a sync relabelled them on the fly); they now say `pending`.
    `answer_cache` (once made by the first answer kept), `about` (once made by
    the shipped library's build only) and the runs' `pending` count (once added
    by the first run to finish) are created here, so every library has them.
    """
    db.execute("UPDATE entries SET status = 'pending' "
               "WHERE status = 'unresolved' AND resolved_run IS NULL")
    if "pending" not in db.table("sync_runs").columns_dict:
        db.table("sync_runs").add_column("pending", int)
    if "answer_cache" not in db.table_names():
        db.table("answer_cache").create({"service": str, "question": str, "key": str,
                                         "fetched_at": str, "records": str},
                                        pk=("service", "question", "key"))
    if "about" not in db.table_names():
        db.execute("CREATE TABLE about (key TEXT NOT NULL, value TEXT NOT NULL)")


def keep_uncorrected(db: sqlite_utils.Database) -> None:
    """Schema 8: `works.uncorrected`, what the sources gave for each field a correction replaced.

    Clearing a correction puts that value back, with no look-up. Fields corrected
    before this step have no value kept (it was overwritten): `rsbib pin --clear`
    says so, and leaves them for a `sync --refresh`.
    """
    if "uncorrected" not in db.table("works").columns_dict:
        db.table("works").add_column("uncorrected", str)


def refresh_papers(db: sqlite_utils.Database) -> None:
    """Rebuild the `papers` table from works and entries (newest first, then by key).

    Nothing is written when it already holds those rows: a command that
    changed nothing (a dry run, a rolled-back batch) leaves the file as it was.
    The rows are made once, into a temporary table shaped like `papers` (the
    same column types, so the same values as stored), and compared from there.
    """
    with db.atomic():
        db.execute("DROP TABLE IF EXISTS temp.papers_now")
        db.execute("CREATE TEMP TABLE papers_now AS SELECT * FROM papers WHERE 0")
        db.execute(f"INSERT INTO temp.papers_now SELECT * FROM ({PAPERS_SELECT})")
        if db.execute("SELECT EXISTS (SELECT 1 FROM papers)").fetchone()[0]:
            stale = db.execute(
                "SELECT EXISTS (SELECT * FROM papers EXCEPT SELECT * FROM temp.papers_now) "
                "OR EXISTS (SELECT * FROM temp.papers_now EXCEPT SELECT * FROM papers)").fetchone()[0]
        else:  # a new library: any row is new (the comparison would sort them all first)
            stale = db.execute("SELECT EXISTS (SELECT 1 FROM temp.papers_now)").fetchone()[0]
        if stale:
            db.execute("DELETE FROM papers")
            db.execute("INSERT INTO papers SELECT * FROM temp.papers_now ORDER BY rowid")
        db.execute("DROP TABLE temp.papers_now")
