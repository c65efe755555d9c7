"""Works and their authors: one work per paper, works that turn out to be one merged."""

from __future__ import annotations

from typing import cast

import sqlite_utils

from rsbib.metadata.authors import join_authors
from rsbib.metadata.records import Author, WorkRecord
from rsbib.store.schema import WORK_COLUMNS, Store


class Works(Store):
    """The `works`, `authors` and `work_authors` tables."""

    def find_works(self, doi: str | None, arxiv_id: str | None) -> list[dict]:
        """Works that hold this DOI or this arXiv id (two when a merge is due)."""
        found: dict[int, dict] = {}
        for column, value in (("doi", doi), ("arxiv_id", arxiv_id)):
            if value:
                for row in self.db.table("works").rows_where(f"{column} = ?", [value]):
                    found[row["id"]] = row
        return sorted(found.values(), key=lambda r: r["id"])

    def upsert_work(self, record: WorkRecord, run_id: int, known: int | None = None) -> int:
        """Insert or update the one work for this paper; merge works that turn out to be one.

        `known`: the work this record updates when it has no identifier to find it by.
        """
        matches = self.find_works(record.doi, record.arxiv_id) or (
            [self.db.table("works").get(known)] if known is not None else [])
        # Empty values never overwrite known ones ("" from a sparse record is no answer).
        values = {k: (None if v == "" else v) for k, v in record.to_dict().items()
                  if k in WORK_COLUMNS}
        values["authors"] = join_authors(record.authors) or None
        values["updated_run"] = run_id
        if not matches:
            work_id = cast(int, self.db.table("works").insert({**values, "created_run": run_id}).last_pk)
        else:
            keep, *others = matches
            work_id = keep["id"]
            for other in others:
                self._merge_work(into=work_id, other=other)
            merged = {k: (v if v is not None else keep.get(k)) for k, v in values.items()}
            self.db.table("works").update(work_id, merged)
        self.set_authors(work_id, record.authors)
        return work_id

    def _merge_work(self, into: int, other: dict) -> None:
        """Fold `other` into work `into`: its entries follow, its key is not lost."""
        self.db.execute("UPDATE entries SET work_id = ? WHERE work_id = ?", [into, other["id"]])
        self.db.execute("UPDATE cite_blocks SET work_id = ? WHERE work_id = ?", [into, other["id"]])
        self.db.execute("DELETE FROM work_authors WHERE work_id = ?", [other["id"]])
        self.db.table("works").delete(other["id"])
        keep = self.db.table("works").get(into)
        if other.get("citekey") and (other["id"] < into or not keep.get("citekey")):
            self.db.table("works").update(into, {"citekey": other["citekey"],
                                           "key_source": other.get("key_source")})

    def set_authors(self, work_id: int, authors: list[Author]) -> None:
        replace_authors(self.db, work_id, authors)


def replace_authors(db: sqlite_utils.Database, work_id: int, authors: list[Author]) -> None:
    """The work's authors, in order, replaced by `authors` (none given: left as they are)."""
    if not authors:
        return
    db.execute("DELETE FROM work_authors WHERE work_id = ?", [work_id])
    for position, author in enumerate(authors, 1):
        author_id = db.table("authors").lookup(
            {"name": author.name}, {"family": author.family, "given": author.given})
        db.table("work_authors").insert(
            {"work_id": work_id, "position": position, "author_id": author_id})
