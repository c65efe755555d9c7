"""One export, whoever asks: `rsbib export`, an rsbib.toml target after a sync, a Datasette page.

Each says what it wants in an ExportOptions; `export` selects the items
(tables, or the keys a document cites, or the works and rows a page shows),
collects them from the library and renders them in the format asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rsbib import RsbibError
from rsbib.bib.cited import read_citations, report_missing
from rsbib.bib.cited import select as cited
from rsbib.export import collect, match_categories, render, select
from rsbib.export.items import Item
from rsbib.store.exports import with_citekeys
from rsbib.store.library import Library


class ExportError(RsbibError):
    """Options that select nothing: a citation selection mixed with tables, or no key at all."""


@dataclass(frozen=True)
class Shown:
    """What a Datasette page lists: works, rows of the list, citation keys."""

    work_ids: frozenset[int] = frozenset()
    entry_ids: frozenset[int] = frozenset()
    citekeys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ExportOptions:
    """What to export and how; the defaults are `rsbib export` with no option."""

    format: str = "bibtex"  # a name of rsbib.export.formats.FORMATS
    categories: tuple[str, ...] = ()  # tables by slug, prefix or heading; none: every table
    resolved_only: bool = False
    aux_files: tuple[str, ...] = ()  # only what these LaTeX .aux files cite, or
    keys: tuple[str, ...] = ()  # these keys ("a,b" values, as --keys takes them)
    document_order: bool = True  # cited items in the order of first citation
    unicode: bool = False
    journal_abbrev: bool = False
    abstracts: bool = False  # written only when asked
    bibstyle: str | None = None  # the document's BibTeX style; else the one its .aux names
    shown: Shown | None = None  # a Datasette page: exactly what it lists
    db_path: str = "library.db"  # the library `export_library` opens (`export` is given one)

    @property
    def by_citation(self) -> bool:
        return bool(self.aux_files or self.keys)


@dataclass
class Export:
    text: str
    items: list[Item]
    warnings: list[str] = field(default_factory=list)  # for stderr
    missing: list[str] = field(default_factory=list)  # a line for each cited key the library lacks


def export(library: Library, options: ExportOptions) -> Export:
    """Select, collect and render. CategoryError, AuxError or ExportError when nothing can be chosen."""
    if options.shown is not None:
        items = _shown(library, options.shown)
    else:
        slugs = match_categories(library, options.categories) if options.categories else None
        items = collect(library, slugs, options.resolved_only, listed_only=not options.by_citation)
    missing: list[str] = []
    bibstyle, notes = options.bibstyle, []
    if options.by_citation:
        items, missing, named = _cited(library, items, options)
        if not bibstyle and len(named) > 1:
            notes.append(f"the .aux files name the styles {', '.join(named)}: undated entries "
                         f"are written for {named[0]} (--bibstyle chooses)")
        bibstyle = bibstyle or (named[0] if named else None)
    text, warnings = render(items, options.format, unicode=options.unicode,
                            journal_abbrev=options.journal_abbrev, abstracts=options.abstracts,
                            bibstyle=bibstyle)
    return Export(text, items, notes + warnings, missing)


def export_library(options: ExportOptions) -> Export:
    """`rsbib export` as one call: the library at `options.db_path`, read without writing, exported."""
    from rsbib.store.opening import open_library

    with open_library(options.db_path, readonly=True) as library:
        return export(library, options)


def _cited(library: Library, items: list[Item],
           options: ExportOptions) -> tuple[list[Item], list[str], list[str]]:
    """The items the document cites, a line for each cited key they lack (with the nearest keys),
    and the BibTeX styles its .aux files name."""
    if options.categories:
        raise ExportError("--aux/--keys choose entries by citation; leave out --category")
    citations = read_citations(options.aux_files, options.keys)
    if not (citations.keys or citations.cites_all):
        raise ExportError("--keys names no key")
    chosen, missing = cited(items, citations, options.document_order)
    known = [item.key for item in collect(library, listed_only=False)] if missing else []
    return chosen, report_missing(missing, citations, known), citations.bibstyles


def _shown(library: Library, shown: Shown) -> list[Item]:
    work_ids, entry_ids = set(shown.work_ids), set(shown.entry_ids)
    if shown.citekeys:
        works, rows = with_citekeys(library, set(shown.citekeys))
        work_ids, entry_ids = work_ids | works, entry_ids | rows
    return select(library, work_ids, entry_ids)
