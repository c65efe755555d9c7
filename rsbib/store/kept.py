"""What the library keeps beside the list and its papers: the sources' answers, and what it says about itself."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class KeptAnswer:
    """One answer of a source kept in `answer_cache`: its records as JSON (`null`: no record)."""

    service: str
    question: str  # "lookup" (by identifier) or "search" (by title)
    key: str
    fetched_at: str
    records: str


class Answers:
    """The `answer_cache` table: what each source answered to each question (rsbib.resolve.cache)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def all(self) -> list[KeptAnswer]:
        return [KeptAnswer(r["service"], r["question"], r["key"], r["fetched_at"], r["records"])
                for r in self.db.query("SELECT * FROM answer_cache")]

    def save(self, answers: Iterable[KeptAnswer]) -> None:
        rows = [vars(a) for a in answers]
        with self.db.atomic():
            self.db.table("answer_cache").upsert_all(rows, pk=("service", "question", "key"))


class About:
    """The `about` table: what the library says about itself (what it was built from...), by key."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def read(self) -> dict[str, list[str]]:
        about: dict[str, list[str]] = {}
        for key, value in self.db.execute("SELECT key, value FROM about ORDER BY rowid"):
            about.setdefault(key, []).append(value)
        return about

    def replace(self, key: str, values: Iterable[str]) -> None:
        """Say `values` under `key`, in place of what was said there before."""
        with self.db.atomic():
            self.db.execute("DELETE FROM about WHERE key = ?", [key])
            self.db.conn.executemany("INSERT INTO about (key, value) VALUES (?, ?)", [[key, v] for v in values])
