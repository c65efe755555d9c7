"""The `.bib`, `.biblatex` and `.csljson` renderers: what `rsbib export` writes for the rows shown."""

from __future__ import annotations

import re

from datasette.utils.asgi import Response

from rsbib.export.formats import FORMATS
from rsbib.export.pipeline import ExportOptions, Shown, export
from rsbib.store.exports import page_rows
from rsbib.store.library import Library

EXTENSIONS = {f.extension: f.name for f in FORMATS.values()}  # the page suffix: .bib, .csljson
_PAGE_LIMIT = re.compile(r"\s+limit\s+\d+(\s+offset\s+\d+)?\s*$", re.IGNORECASE)
TIME_LIMIT_MS = 30_000


def can_render(columns, table) -> bool:
    """Pages that list works or rows of the list (tables, the papers view, canned queries)."""
    return table in ("works", "entries") or bool({"work_id", "entry_id", "citekey"} & set(columns))


def renderer(fmt: str):
    async def respond(datasette, columns, sql, database, table, view_name, data, request):
        if not sql or not can_render(columns, table):
            return Response.text("This page lists no works or rows of the list.", status=400)
        params = (data.get("query") or {}).get("params") or {}
        full_sql = _PAGE_LIMIT.sub("", sql) if view_name == "table" else sql
        db = datasette.get_database(database)
        rows = await page_rows(db, full_sql, params, TIME_LIMIT_MS)
        text = await db.execute_fn(
            lambda conn: export_rows(Library.reader(conn, db.path), rows, table, fmt))
        name = f"{query_or_table(data, table)}.{request.url_vars.get('format', 'bib')}"
        return Response(text, content_type=f"{FORMATS[fmt].content_type}; charset=utf-8",
                        headers={"content-disposition": f'attachment; filename="{name}"'})

    return respond


def query_or_table(data: dict, table: str | None) -> str:
    return table or (data.get("query_name") or "query")


def export_rows(library: Library, rows: list[dict], table: str | None, fmt: str) -> str:
    """The export of the works and rows these result rows name."""
    work_ids: set[int] = set()
    entry_ids: set[int] = set()
    keys: set[str] = set()
    for row in rows:
        if table in ("works", "entries") and row.get("id") is not None:
            (work_ids if table == "works" else entry_ids).add(row["id"])
        elif row.get("work_id") is not None:
            work_ids.add(row["work_id"])
        elif row.get("entry_id") is not None:
            entry_ids.add(row["entry_id"])
        elif row.get("citekey"):
            keys.add(row["citekey"])
    shown = Shown(frozenset(work_ids), frozenset(entry_ids), frozenset(keys))
    return export(library, ExportOptions(format=fmt, shown=shown)).text


async def entry_text(datasette, database: str, table: str, row_id: str | None) -> str | None:
    """The BibTeX entry of one work (or of one row of the list), for its row page."""
    if not row_id or not row_id.isdigit():
        return None
    db = datasette.get_database(database)
    return await db.execute_fn(lambda conn: export_rows(
        Library.reader(conn, db.path), [{"id": int(row_id)}], table, "bibtex")) or None
