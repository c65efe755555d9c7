"""/-/search and the papers table's search box: `rsbib search`'s query language in Datasette.

Both hand the query to the one translator (rsbib.search.query.parse_query, then `identities`), so
a query finds in the browser exactly the works it finds on the command line: abstracts,
compounds however hyphenated, names unstemmed, pasted links, OR and field filters.
"""

from __future__ import annotations

from urllib.parse import urlencode

from datasette.filters import FilterArguments
from datasette.utils.asgi import BadRequest, Response

from rsbib.search.query import QueryError, identities, parse_query
from rsbib.store.library import Library
from rsbib.store.search import Identity, abstract_of, entries_of, holds_papers, papers_of

SHOWN = 50


async def matches(datasette, name: str, q: str) -> set[Identity]:
    """The works and rows of database `name` that the query matches (BadRequest: a bad query)."""
    try:
        clauses = parse_query(q)
    except QueryError as exc:
        raise BadRequest(str(exc)) from None
    db = datasette.get_database(name)

    def run(conn):
        try:
            return identities(Library.reader(conn, db.path).db, clauses)
        except QueryError as exc:
            return exc

    found = await db.execute_fn(run)
    if isinstance(found, QueryError):
        raise BadRequest(str(found))
    return found


async def page(datasette, request):
    """Matches in every library Datasette serves, each with a link to the full filtered table."""
    q = (request.args.get("q") or "").strip()
    results = []
    if q:
        for name, db in datasette.databases.items():
            if name.startswith("_") or not await db.execute_fn(holds_papers):
                continue
            chosen = await matches(datasette, name, q)
            papers, rows = await db.execute_fn(_listing(db.path, chosen))
            results.append({
                "database": name, "papers": papers[:SHOWN], "paper_count": len(papers),
                "rows": rows[:SHOWN], "row_count": len(rows),
                "papers_url": datasette.urls.table(name, "papers") + "?" + urlencode({"_search": q}),
                "works_url": datasette.urls.table(name, "works"),
                "entries_url": datasette.urls.table(name, "entries"),
            })
    html = await datasette.render_template(
        "rsbib_search.html", {"q": q, "results": results}, request=request)
    return Response.html(html)


async def abstract(datasette, database: str, row_id: str | None) -> str | None:
    """The abstract of one work, for its page (None: the sources gave none)."""
    if not row_id or not row_id.isdigit():
        return None
    db = datasette.get_database(database)
    return await db.execute_fn(lambda conn: abstract_of(Library.reader(conn, db.path).db, int(row_id)))


def _listing(path: str, chosen: set[Identity]):
    def listing(conn) -> tuple[list[dict], list[dict]]:
        store = Library.reader(conn, path).db
        return papers_of(store, chosen), entries_of(store, chosen)
    return listing


def papers_filter(request, database, table, datasette):
    """?_search= on the papers table: the same query language, the same works."""
    if table != "papers":
        return None

    async def inner():
        q = (request.args.get("_search") or "").strip()
        if not q:
            return FilterArguments([], extra_context={"supports_search": True})
        chosen = await matches(datasette, database, q)
        works = sorted(i for kind, i in chosen if kind == "work")
        rows = sorted(i for kind, i in chosen if kind == "entry")
        where = (f"work_id IN ({','.join(map(str, works)) or 'NULL'}) "
                 f"OR entry_id IN ({','.join(map(str, rows)) or 'NULL'})")
        return FilterArguments([where], human_descriptions=[f'search matches "{q}"'],
                               extra_context={"supports_search": True, "search": q})

    return inner
