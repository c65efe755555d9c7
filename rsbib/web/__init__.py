"""rsbib's Datasette plugin: BibTeX output, links, the front door and one search box.

The package holds the browsing side: the hooks here; bib (the .bib renderers), cells (links),
search (the one search box), shipped (the metadata), templates/, and `rsbib serve` (serve).

Loaded by `rsbib serve`, and by plain `datasette library.db` wherever rsbib is
installed (entry point `datasette`). It also supplies the shipped metadata
(facets, canned queries, hidden tables), so no --metadata is needed.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl

from rsbib.metadata.venues import is_preprint_label, label_for
from rsbib.web import bib, cells, search
from rsbib.web.shipped import metadata

# Columns the default HTML view of a table leaves out (the "show all columns" link brings them back).
INTERNAL_COLUMNS = {
    "entries": ["row_key", "fingerprint", "link_kind", "link_arxiv_id", "link_doi", "extra",
                "candidates", "resolved_run"],
    "works": ["abstract", "arxiv_title", "arxiv_year", "journal_ref", "key_source", "created_run",
              "updated_run", "corrected", "url"],
}


def suggested_label(venue: str | None, year: int | None) -> str | None:
    """The list-style label `rsbib check` suggests for a published paper ("TGRS2024")."""
    label = label_for(venue)
    return f"{label}{year}" if label and year else None


@hookimpl
def prepare_connection(conn):
    conn.create_function("rsbib_label", 2, suggested_label, deterministic=True)
    conn.create_function("rsbib_preprint_label", 1, is_preprint_label, deterministic=True)


@hookimpl
def get_metadata(datasette, key, database, table):
    shipped = metadata("library.db")
    described = shipped["databases"].pop("library")
    names = [name for name in datasette.databases if not name.startswith("_")]
    return {**shipped, "databases": {name: described for name in names}}


@hookimpl
def register_output_renderer(datasette):
    return [{"extension": extension, "render": bib.renderer(fmt), "can_render": bib.can_render}
            for extension, fmt in bib.EXTENSIONS.items()]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    return cells.render(row, value, column, table, database, datasette)


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    async def variables():
        found: dict[str, Any] = {"rsbib_papers": [(name, datasette.urls.table(name, "papers"))
                                  for name in datasette.databases if not name.startswith("_")]}
        if view_name == "row" and table in ("works", "entries"):
            row_id = request.url_vars.get("pks")
            found["rsbib_bibtex"] = await bib.entry_text(datasette, database, table, row_id)
            if table == "works":
                found["rsbib_abstract"] = await search.abstract(datasette, database, row_id)
        return found

    return variables


@hookimpl(trylast=True)  # after Datasette's own search filter, so its context gives way to ours
def filters_from_request(request, database, table, datasette):
    return search.papers_filter(request, database, table, datasette)


@hookimpl
def register_routes():
    return [(r"^/-/search$", search.page)]


@hookimpl
def asgi_wrapper(datasette):
    return cells.hide_internal_columns(INTERNAL_COLUMNS)
