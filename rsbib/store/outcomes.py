"""The resolver's answers stored: one batch at a time, atomically, corrections re-applied."""

from __future__ import annotations

import json
from collections.abc import Iterable

from rsbib.metadata.records import Outcome
from rsbib.store import reapply
from rsbib.store.keys import Keys
from rsbib.store.runs import Runs
from rsbib.store.schema import FAILED_AGAIN, SETTLED


class Outcomes(Keys, Runs):
    """Entries pointed at the works their look-ups found; a failure never degrades an answer."""

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
                self.db.table("entries").update(outcome.entry_id, {
                    "status": outcome.status, "work_id": work_id, "method": outcome.method,
                    "score": outcome.score, "note": outcome.note,
                    "candidates": json.dumps(outcome.candidates, ensure_ascii=False)
                    if outcome.candidates else None,
                    "resolved_run": run_id})
            self.assign_keys()
            self.apply_corrections()
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
        """A failed look-up of a settled row (a --refresh) keeps its answer and notes the failure."""
        old = self.db.table("entries").get(outcome.entry_id)
        settled = old["status"] in SETTLED or (
            old["status"] == "unresolved" and old["resolved_run"] is not None)
        if not settled or (old["status"] == "resolved" and old["work_id"] is None):
            return False
        before = (old["note"] or "").split(FAILED_AGAIN)[0].rstrip("; ")
        note = f"{before}; {FAILED_AGAIN}{outcome.note}" if before else f"{FAILED_AGAIN}{outcome.note}"
        self.db.table("entries").update(outcome.entry_id, {"note": note})
        return True

    def apply_corrections(self) -> None:
        reapply.apply_all(self.db)
