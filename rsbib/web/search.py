"""/-/search: one box for the whole library (papers and rows of the list), stemmed FTS5."""

from __future__ import annotations

from urllib.parse import urlencode

from datasette.utils import escape_fts
from datasette.utils.asgi import Response

SHOWN = 50
PAPERS = ("SELECT p.citekey, p.title, p.year, p.work_id FROM papers p WHERE p.work_id IN "
          "(SELECT rowid FROM works_fts WHERE works_fts MATCH :q) "
          "ORDER BY p.year DESC, p.citekey")
ROWS = ("SELECT e.id, e.category, e.line, e.title, e.status FROM entries e WHERE e.id IN "
        "(SELECT rowid FROM entries_fts WHERE entries_fts MATCH :q) ORDER BY e.line")


async def page(datasette, request):
    """Matches in every library Datasette serves, each with a link to the full filtered table."""
    q = (request.args.get("q") or "").strip()
    results = []
    if q:
        for name, db in datasette.databases.items():
            if name.startswith("_") or "works_fts" not in await db.table_names():
                continue
            params = {"q": escape_fts(q)}
            papers = (await db.execute(PAPERS, params, truncate=False)).rows
            rows = (await db.execute(ROWS, params, truncate=False)).rows
            results.append({
                "database": name, "papers": papers[:SHOWN], "paper_count": len(papers),
                "rows": rows[:SHOWN], "row_count": len(rows),
                "papers_url": datasette.urls.table(name, "papers") + "?" + _search(q),
                "rows_url": datasette.urls.table(name, "entries") + "?" + _search(q),
                "works_url": datasette.urls.table(name, "works"),
                "entries_url": datasette.urls.table(name, "entries"),
            })
    html = await datasette.render_template(
        "rsbib_search.html", {"q": q, "results": results}, request=request)
    return Response.html(html)


def _search(q: str) -> str:
    return urlencode({"_search": q})
