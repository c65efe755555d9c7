"""How cells show: identifiers as links, category lists as facet links, JSON pretty-printed.

Also the one piece of request handling: a table's default HTML view leaves its
internal columns out (by redirecting to the same page with `_nocol=`).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, quote, urlencode

from markupsafe import Markup, escape

JSON_COLUMNS = {"extra", "candidates", "fields", "corrected", "uncorrected", "headers"}


def link(href: str, text) -> Markup:
    return Markup(f'<a href="{escape(href)}">{escape(text)}</a>')


def render(row, value, column, table, database, datasette):
    """A cell's HTML, or None for Datasette's default."""
    if value in (None, ""):
        return None
    keys = set(row.keys()) if hasattr(row, "keys") else set()
    row_url = lambda name, pk: f"{datasette.urls.table(database, name)}/{pk}"  # noqa: E731
    if column in ("doi", "link_doi"):
        return link(f"https://doi.org/{value}", value)
    if column in ("arxiv_id", "link_arxiv_id"):
        return link(f"https://arxiv.org/abs/{value}", value)
    if column == "citekey" and table != "works":
        if "work_id" in keys and row["work_id"] is not None:
            return link(row_url("works", row["work_id"]), value)
        if "entry_id" in keys and row["entry_id"] is not None:
            return link(row_url("entries", row["entry_id"]), value)
    if column in ("work_id", "entry_id") and table in (None, "papers") and isinstance(value, int):
        return link(row_url("works" if column == "work_id" else "entries", value), value)
    if column == "categories" and isinstance(value, str) and value.startswith("["):
        papers = datasette.urls.table(database, "papers")
        return Markup(", ").join(
            link(f"{papers}?categories__arraycontains={quote(slug)}", slug)
            for slug in json.loads(value))
    if column in JSON_COLUMNS and isinstance(value, str) and value[:1] in "[{":
        try:
            pretty = json.dumps(json.loads(value), indent=2, ensure_ascii=False)
        except ValueError:
            return None
        return Markup(f'<pre class="rsbib-json">{escape(pretty)}</pre>')
    return None


def hide_internal_columns(hidden: dict[str, list[str]]):
    """ASGI middleware: /db/table (HTML, no _col/_nocol) redirects to the view without `hidden`."""
    def wrap(app):
        async def add_nocol(scope, receive, send):
            if scope["type"] == "http" and scope["method"] == "GET":
                parts = scope["path"].strip("/").split("/")
                query = parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                                  keep_blank_values=True)
                if len(parts) == 2 and parts[1] in hidden and not any(
                        k in ("_col", "_nocol") for k, _ in query):
                    query += [("_nocol", c) for c in hidden[parts[1]]]
                    location = f"{scope.get('root_path', '')}{scope['path']}?{urlencode(query)}"
                    await send({"type": "http.response.start", "status": 302,
                                "headers": [(b"location", location.encode("latin-1"))]})
                    await send({"type": "http.response.body", "body": b""})
                    return
            await app(scope, receive, send)

        return add_nocol

    return wrap
