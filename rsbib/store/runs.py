"""Sync runs and the raw answers of the services, as the library keeps them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import sqlite_utils

from rsbib.store.schema import now

# One raw answer: service, url, status, headers, body, elapsed milliseconds.
Response = tuple[str, str, int, dict[str, str], str, int]


@dataclass(frozen=True)
class LastRun:
    source: str | None
    source_sha256: str | None
    finished_at: str | None  # None: the run was stopped before it finished


class Runs:
    """The `sync_runs`, `run_services` and `responses` tables."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def start(self, **details: Any) -> int:
        with self.db.atomic():
            table = self.db.table("sync_runs")
            table.insert({"started_at": now(), **details})
            return cast(int, table.last_pk)

    def finish(self, run_id: int, **details: Any) -> None:
        with self.db.atomic():
            self.db.table("sync_runs").update(run_id, {"finished_at": now(), **details})

    def last(self) -> LastRun | None:
        """The latest sync run (finished or not), if any."""
        row = self.db.execute("SELECT source, source_sha256, finished_at FROM sync_runs "
                              "ORDER BY id DESC LIMIT 1").fetchone()
        return LastRun(*row) if row else None

    def exists(self, run_id: int) -> bool:
        return bool(self.db.table("sync_runs").count_where("id = ?", [run_id]))

    def record_services(self, run_id: int, figures: Iterable[dict[str, Any]]) -> None:
        """Per-service figures of a run: dicts of service, url, requests, failures."""
        with self.db.atomic():
            self.db.table("run_services").upsert_all(({"run_id": run_id, **f} for f in figures),
                                                     pk=("run_id", "service"))

    def store_responses(self, run_id: int, responses: Iterable[Response]) -> None:
        """Keep raw API answers with their request, status and time (inside the caller's transaction)."""
        self.db.table("responses").insert_all(
            {"run_id": run_id, "service": service, "url": url, "status": status,
             "headers": json.dumps(headers), "body": body, "elapsed_ms": elapsed_ms,
             "fetched_at": now()}
            for service, url, status, headers, body, elapsed_ms in responses)
