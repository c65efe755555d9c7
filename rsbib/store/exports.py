"""What an export reads: the list's rows in table then list order, their works and authors, in few queries.

The ids of a selection travel as one JSON parameter (`json_each`), so a
selection of 10,000 works is one query, not one per work.
"""

from __future__ import annotations

import json
from typing import Any

from rsbib.metadata.records import Author
from rsbib.store.library import Library


def category_tables(library: Library) -> list[dict[str, Any]]:
    """The tables of the list (slug, heading, position), in list order."""
    return list(library.db.table("categories").rows_where(order_by="position"))


def export_rows(library: Library, categories: list[str] | None, listed_only: bool) -> list[dict[str, Any]]:
    """The rows of the list in table order, then list order; of these tables only, when given.

    `listed_only`: rows the list no longer holds are left out.
    """
    conditions = ["e.listed = 1"] if listed_only else ["1"]
    params: list[str] = []
    if categories:
        conditions.append(f"e.category IN ({','.join('?' * len(categories))})")
        params = list(categories)
    return list(library.db.query(
        "SELECT e.* FROM entries e JOIN categories c ON c.slug = e.category "
        f"WHERE {' AND '.join(conditions)} ORDER BY c.position, e.line", params))


def works_by_id(library: Library, ids: list[int]) -> dict[int, dict[str, Any]]:
    """These works by id, in one query."""
    return {w["id"]: w for w in library.db.query(
        "SELECT * FROM works WHERE id IN (SELECT value FROM json_each(?))", [json.dumps(ids)])}


def authors_by_work(library: Library, ids: list[int]) -> dict[int, list[Author]]:
    """The ordered authors of these works, in one query."""
    found: dict[int, list[Author]] = {}
    for r in library.db.query(
            "SELECT wa.work_id, a.family, a.given FROM work_authors wa JOIN authors a ON a.id = wa.author_id "
            "WHERE wa.work_id IN (SELECT value FROM json_each(?)) ORDER BY wa.work_id, wa.position",
            [json.dumps(ids)]):
        found.setdefault(r["work_id"], []).append(Author(r["family"], r["given"] or ""))
    return found


def works_of_rows(library: Library, entry_ids: set[int]) -> set[int]:
    """The works these rows of the list cite (rows with no work add nothing)."""
    return {r["work_id"] for r in library.db.query(
        "SELECT work_id FROM entries WHERE id IN (SELECT value FROM json_each(?)) AND work_id IS NOT NULL",
        [json.dumps(sorted(entry_ids))])}


def with_citekeys(library: Library, keys: set[str]) -> tuple[set[int], set[int]]:
    """The works, and the rows with no work, that carry these citation keys: (work ids, row ids)."""
    wanted = [json.dumps(sorted(keys))]
    works = {r[0] for r in library.db.execute(
        "SELECT id FROM works WHERE citekey IN (SELECT value FROM json_each(?))", wanted)}
    rows = {r[0] for r in library.db.execute(
        "SELECT id FROM entries WHERE work_id IS NULL AND citekey IN (SELECT value FROM json_each(?))",
        wanted)}
    return works, rows


async def page_rows(database: Any, sql: str, params: dict[str, Any], time_limit_ms: int) -> list[dict[str, Any]]:
    """Every row of a Datasette page's own query (not only its first page), through Datasette's database."""
    result = await database.execute(sql, params, truncate=False, custom_time_limit=time_limit_ms)
    return [dict(r) for r in result.rows]
