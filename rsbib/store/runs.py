"""Sync runs and the raw answers of the services, as the library keeps them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, cast

from rsbib.store.schema import Store, now


class Runs(Store):
    """The `sync_runs`, `run_services` and `responses` tables."""

    def start_run(self, **details) -> int:
        with self.db.atomic():
            table = self.db.table("sync_runs")
            table.insert({"started_at": now(), **details})
            return cast(int, table.last_pk)

    def finish_run(self, run_id: int, **details) -> None:
        with self.db.atomic():
            self.db.table("sync_runs").update(run_id, {"finished_at": now(), **details}, alter=True)

    def record_services(self, run_id: int, figures: Iterable[dict[str, Any]]) -> None:
        """Per-service figures of a run: dicts of service, url, requests, failures."""
        with self.db.atomic():
            self.db.table("run_services").upsert_all(({"run_id": run_id, **f} for f in figures),
                                               pk=("run_id", "service"))

    def _store_responses(self, run_id: int, responses: Iterable[tuple]) -> None:
        """Keep raw API answers with their request, status and time."""
        self.db.table("responses").insert_all(
            {"run_id": run_id, "service": service, "url": url, "status": status,
             "headers": json.dumps(headers), "body": body, "elapsed_ms": elapsed_ms,
             "fetched_at": now()}
            for service, url, status, headers, body, elapsed_ms in responses)
