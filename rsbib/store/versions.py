"""The lists a library was synced from: one recorded version per distinct list read (rsbib.lists.history)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, cast

import sqlite_utils

from rsbib.lists.history import ROW_COLUMNS, WORK_COLUMNS, Version

SNAPSHOT_SQL = (
    "SELECT " + ", ".join(f"e.{c}" for c in ROW_COLUMNS) + ", "
    + ", ".join(f"w.{c}" for c in WORK_COLUMNS)
    + " FROM entries e LEFT JOIN works w ON w.id = e.work_id WHERE e.listed = 1 ORDER BY e.line, e.id")


def create_table(db: sqlite_utils.Database) -> None:
    """Schema 3: the table of recorded list versions."""
    db.table("list_versions").create({
        "id": int, "run_id": int, "recorded_at": str, "source": str, "rows_sha256": str,
        "row_count": int, "rows": str}, pk="id", foreign_keys=[("run_id", "sync_runs", "id")])


class ListVersions:
    """The `list_versions` table."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def snapshot(self) -> list[dict[str, Any]]:
        """The rows now listed, each with the paper it cites (empty values left out)."""
        cursor = self.db.execute(SNAPSHOT_SQL)
        names = [d[0] for d in cursor.description]
        return [{k: v for k, v in zip(names, row) if v is not None} for row in cursor]

    def _digest(self) -> tuple[list[dict[str, Any]], str, str]:
        rows = self.snapshot()
        blob = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
        return rows, blob, hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def _last_digest(self) -> str | None:
        last = self.db.execute("SELECT rows_sha256 FROM list_versions ORDER BY id DESC LIMIT 1").fetchone()
        return cast(str, last[0]) if last else None

    def latest_is_current(self) -> bool:
        """The last version recorded is the library as it is now."""
        last = self._last_digest()
        return last is not None and last == self._digest()[2]

    def record(self, run_id: int | None, source: str | None) -> int | None:
        """Keep the list as it stands now, unless it equals the last version kept.

        Returns the new version's id, or None when nothing differed.
        """
        with self.db.atomic():
            rows, blob, digest = self._digest()
            last = self._last_digest()
            if last == digest or (not rows and last is None):
                return None
            table = self.db.table("list_versions")
            table.insert({"run_id": run_id, "recorded_at": datetime.now(timezone.utc).isoformat(
                timespec="seconds"), "source": source, "rows_sha256": digest, "row_count": len(rows),
                "rows": blob})
            return cast(int, table.last_pk)

    def _one(self, where: str = "1", params: Sequence[Any] = (), offset: int = 0) -> Version | None:
        found = list(self.db.query(f"SELECT * FROM list_versions WHERE {where} ORDER BY id DESC "
                                   f"LIMIT 1 OFFSET {offset}", params))
        if not found:
            return None
        row = found[0]
        return Version(row["id"], row["run_id"], row["recorded_at"], row["source"], json.loads(row["rows"]))

    def latest(self) -> Version | None:
        return self._one()

    def previous(self) -> Version | None:
        """The version before the latest one."""
        return self._one(offset=1)

    def as_of_run(self, run_id: int) -> Version | None:
        """The list as it stood after sync run `run_id`."""
        return self._one("run_id <= ?", [run_id])

    def before(self, moment: str) -> Version | None:
        """The last list recorded before `moment` (an ISO date or date-time, UTC)."""
        return self._one("recorded_at < ?", [moment])
