"""What the list looked like at each sync: one recorded version per distinct list read.

A version holds the rows as parsed (table, line, abbreviation, title, label,
links) and the paper each row resolved to at the end of that sync, so
`rsbib changes` can tell rows added, removed, moved and edited, and papers
published since. A sync that read the same list with the same answers
records nothing: versions are kept only when something differs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

# The columns of a recorded row: from the list, then from the work it cites.
ROW_COLUMNS = ("row_key", "category", "line", "abbreviation", "title", "publication",
               "paper_url", "code_url", "status")
WORK_COLUMNS = ("citekey", "doi", "arxiv_id", "type", "venue", "year")
SNAPSHOT_SQL = (
    "SELECT " + ", ".join(f"e.{c}" for c in ROW_COLUMNS) + ", "
    + ", ".join(f"w.{c}" for c in WORK_COLUMNS)
    + " FROM entries e LEFT JOIN works w ON w.id = e.work_id WHERE e.listed = 1 ORDER BY e.line, e.id")


@dataclass
class Version:
    """One recorded list: which run recorded it, when, and its rows."""

    id: int | None
    run_id: int | None
    recorded_at: str | None
    source: str | None
    rows: list[dict] = field(default_factory=list)

    def describe(self) -> dict:
        return {"version": self.id, "run": self.run_id, "recorded_at": self.recorded_at,
                "source": self.source, "rows": len(self.rows)}


EMPTY = Version(None, None, None, None, [])


def create_table(db) -> None:
    """Schema 3: the table of recorded list versions."""
    db.table("list_versions").create({
        "id": int, "run_id": int, "recorded_at": str, "source": str, "rows_sha256": str,
        "row_count": int, "rows": str}, pk="id", foreign_keys=[("run_id", "sync_runs", "id")])


def snapshot(db) -> list[dict]:
    """The rows now listed, each with the paper it cites (empty values left out)."""
    return [{k: v for k, v in row.items() if v is not None} for row in db.query(SNAPSHOT_SQL)]


def record(db, run_id: int | None, source: str | None) -> int | None:
    """Keep the list as it stands now, unless it equals the last version kept (inside a transaction).

    Returns the new version's id, or None when nothing differed.
    """
    rows = snapshot(db)
    blob = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(blob.encode("utf-8")).hexdigest()
    last = db.execute("SELECT rows_sha256 FROM list_versions ORDER BY id DESC LIMIT 1").fetchone()
    if (last and last[0] == digest) or (not rows and not last):
        return None
    table = db.table("list_versions")
    table.insert({"run_id": run_id, "recorded_at": datetime.now(timezone.utc).isoformat(
        timespec="seconds"), "source": source, "rows_sha256": digest, "row_count": len(rows),
        "rows": blob})
    return table.last_pk


def _version(row: dict | None) -> Version | None:
    if row is None:
        return None
    return Version(row["id"], row["run_id"], row["recorded_at"], row["source"],
                   json.loads(row["rows"]))


def _one(db, where: str = "1", params=(), order: str = "DESC", offset: int = 0) -> Version | None:
    found = list(db.query(f"SELECT * FROM list_versions WHERE {where} ORDER BY id {order} "
                          f"LIMIT 1 OFFSET {offset}", params))
    return _version(found[0] if found else None)


def latest(db) -> Version | None:
    return _one(db)


def previous(db) -> Version | None:
    """The version before the latest one."""
    return _one(db, offset=1)


def as_of_run(db, run_id: int) -> Version | None:
    """The list as it stood after sync run `run_id`."""
    return _one(db, "run_id <= ?", [run_id])


def before(db, moment: str) -> Version | None:
    """The last list recorded before `moment` (an ISO date or date-time, UTC)."""
    return _one(db, "recorded_at < ?", [moment])
