"""The resolver's answers stored: one batch at a time, atomically, corrections re-applied."""

from __future__ import annotations

import json
from collections.abc import Iterable

import sqlite_utils

from rsbib.metadata.records import ANSWERED, EntryStatus, Outcome
from rsbib.store import reapply
from rsbib.store.keys import Keys
from rsbib.store.runs import Response, Runs
from rsbib.store.schema import FAILED_AGAIN
from rsbib.store.works import Works


class Outcomes:
    """Entries pointed at the works their look-ups found; a failure never degrades an answer."""

    def __init__(self, db: sqlite_utils.Database, works: Works, keys: Keys, runs: Runs):
        self.db = db
        self.works = works
        self.keys = keys
        self.runs = runs

    def save(self, outcomes: Iterable[Outcome], run_id: int,
             responses: Iterable[Response] = ()) -> list[int]:
        """Store one batch atomically: raw answers, works merged, entries pointed at them, keys.

        A failure never degrades an earlier answer: a resolved row whose new
        look-up failed keeps its work and status. Returns the ids of those rows.
        """
        kept = []
        with self.db.atomic():
            self.runs.store_responses(run_id, responses)
            for outcome in outcomes:
                if outcome.status == EntryStatus.FAILED and self._keep_settled(outcome):
                    kept.append(outcome.entry_id)
                    continue
                known = self._id_less_work(outcome)
                work_id = self.works.upsert(outcome.work, run_id, known) if outcome.work else None
                self.db.table("entries").update(outcome.entry_id, {
                    "status": EntryStatus(outcome.status).value, "work_id": work_id,
                    "method": outcome.method, "score": outcome.score, "note": outcome.note,
                    "candidates": json.dumps(outcome.candidates, ensure_ascii=False)
                    if outcome.candidates else None,
                    "resolved_run": run_id})
            self.keys.assign()
            reapply.apply_all(self.db)
        return kept

    def _id_less_work(self, outcome: Outcome) -> int | None:
        """The row's current work when it and the new record have no DOI and no arXiv id (DBLP-only)."""
        work = outcome.work
        if work is None or work.doi or work.arxiv_id:
            return None
        old = self.db.table("entries").get(outcome.entry_id)
        current = self.db.table("works").get(old["work_id"]) if old["work_id"] else None
        if current and not current["doi"] and not current["arxiv_id"] and current["title"] == work.title:
            return int(current["id"])
        return None

    def _keep_settled(self, outcome: Outcome) -> bool:
        """A failed look-up of a settled row (a --refresh) keeps its answer and notes the failure.

        So does a row still holding its work while it waits to be asked again
        (`pending` since a correction that bound it was cleared).
        """
        old = self.db.table("entries").get(outcome.entry_id)
        if old["work_id"] is None and (old["status"] not in ANSWERED or old["status"] == EntryStatus.RESOLVED):
            return False
        before = (old["note"] or "").split(FAILED_AGAIN)[0].rstrip("; ")
        note = f"{before}; {FAILED_AGAIN}{outcome.note}" if before else f"{FAILED_AGAIN}{outcome.note}"
        self.db.table("entries").update(outcome.entry_id, {"note": note})
        return True
