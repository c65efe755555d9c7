"""Works and their authors: one work per paper, works that turn out to be one merged."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import sqlite_utils

from rsbib.metadata.authors import authors_incomplete, is_others, join_authors, split_authors
from rsbib.metadata.records import Author, WorkRecord
from rsbib.store.schema import WORK_COLUMNS

_RECORD_FIELDS = set(WorkRecord.__dataclass_fields__) - {"authors", "authors_incomplete"}


class Works:
    """The `works`, `authors` and `work_authors` tables."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def find(self, doi: str | None, arxiv_id: str | None) -> list[dict[str, Any]]:
        """Works that hold this DOI or this arXiv id (two when a merge is due)."""
        found: dict[int, dict[str, Any]] = {}
        for column, value in (("doi", doi), ("arxiv_id", arxiv_id)):
            if value:
                for row in self.db.table("works").rows_where(f"{column} = ?", [value]):
                    found[row["id"]] = row
        return sorted(found.values(), key=lambda r: r["id"])

    def count(self) -> int:
        return self.db.table("works").count

    def records(self, ids: Iterable[int] | None = None) -> dict[int, WorkRecord]:
        """Work id -> the record it was stored from, its authors in order (`ids`: only those)."""
        wanted = None if ids is None else list(ids)
        where = "" if wanted is None else f" WHERE id IN ({','.join('?' * len(wanted))})"
        rows = {r["id"]: r for r in self.db.query(f"SELECT * FROM works{where}", wanted or [])}
        authors: dict[int, list[Author]] = {}
        where = "" if wanted is None else f" WHERE w.work_id IN ({','.join('?' * len(wanted))})"
        for a in self.db.query(
                "SELECT w.work_id, a.name, a.family, a.given FROM work_authors w "
                f"JOIN authors a ON a.id = w.author_id{where} ORDER BY w.work_id, w.position",
                wanted or []):
            authors.setdefault(a["work_id"], []).append(Author(a["family"] or a["name"], a["given"] or ""))
        return {work_id: _record(row, authors.get(work_id, [])) for work_id, row in rows.items()}

    def record_for(self, doi: str | None, arxiv_id: str | None) -> WorkRecord | None:
        """The work that holds this DOI, else this arXiv id, as the record it was stored from."""
        for column, value in (("doi", doi.lower() if doi else None), ("arxiv_id", arxiv_id)):
            row = self.db.execute(f"SELECT id FROM works WHERE [{column}] = ? LIMIT 1",
                                  [value]).fetchone() if value else None
            if row:
                return self.records([row[0]])[row[0]]
        return None

    def upsert(self, record: WorkRecord, run_id: int, known: int | None = None) -> int:
        """Insert or update the one work for this paper; merge works that turn out to be one.

        `known`: the work this record updates when it has no identifier to find it by.
        """
        matches = self.find(record.doi, record.arxiv_id) or (
            [self.db.table("works").get(known)] if known is not None else [])
        # Empty values never overwrite known ones ("" from a sparse record is no answer).
        values = {k: (None if v == "" else v) for k, v in record.to_dict().items()
                  if k in WORK_COLUMNS}
        values["authors"] = join_authors(record.authors, record.authors_incomplete) or None
        values["updated_run"] = run_id
        if not matches:
            work_id = cast(int, self.db.table("works").insert({**values, "created_run": run_id}).last_pk)
        else:
            keep, *others = matches
            work_id = keep["id"]
            for other in others:
                self._merge(into=work_id, other=other)
            merged = {k: (v if v is not None else keep.get(k)) for k, v in values.items()}
            self.db.table("works").update(work_id, merged)
        replace_authors(self.db, work_id, record.authors)
        return work_id

    def _merge(self, into: int, other: dict[str, Any]) -> None:
        """Fold `other` into work `into`: its entries follow, its key is not lost."""
        self.db.execute("UPDATE entries SET work_id = ? WHERE work_id = ?", [into, other["id"]])
        self.db.execute("UPDATE cite_blocks SET work_id = ? WHERE work_id = ?", [into, other["id"]])
        self.db.execute("DELETE FROM work_authors WHERE work_id = ?", [other["id"]])
        self.db.table("works").delete(other["id"])
        keep = self.db.table("works").get(into)
        if other.get("citekey") and (other["id"] < into or not keep.get("citekey")):
            self.db.table("works").update(into, {"citekey": other["citekey"],
                                                 "key_source": other.get("key_source")})


def _record(row: dict[str, Any], authors: list[Author]) -> WorkRecord:
    """A `works` row as a record; with no author rows, the authors string it stores."""
    if not authors and row.get("authors"):
        authors = split_authors(row["authors"])
    return WorkRecord(**{k: v for k, v in row.items() if k in _RECORD_FIELDS}, authors=authors,
                      authors_incomplete=authors_incomplete(row.get("authors")))


def replace_authors(db: sqlite_utils.Database, work_id: int, authors: list[Author]) -> None:
    """The work's authors, in order, replaced by `authors` (none given: left as they are).

    Only named authors get rows: "others" is the authors string's mark, not a person.
    """
    authors = [a for a in authors if not is_others(a)]
    if not authors:
        return
    db.execute("DELETE FROM work_authors WHERE work_id = ?", [work_id])
    for position, author in enumerate(authors, 1):
        author_id = db.table("authors").lookup(
            {"name": author.name}, {"family": author.family, "given": author.given})
        db.table("work_authors").insert(
            {"work_id": work_id, "position": position, "author_id": author_id})
