"""The export formats, listed once: `rsbib export --format`, `rsbib search --format`, an
rsbib.toml target's `format` and Datasette's pages (`.bib`, `.biblatex`, `.csljson`) all read them here.

A new format is one `Format` in FORMATS: its name, the suffix of its
Datasette page, its content type, and the function that writes items.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rsbib.export.bibtex import write as write_bibtex
from rsbib.export.csl import write as write_csl
from rsbib.export.items import Item, provisional_warning


@dataclass(frozen=True)
class Style:
    """How the BibTeX writers write (CSL-JSON is UTF-8 with full names whatever is asked)."""

    unicode: bool = False  # keep what pdflatex cannot set, for XeLaTeX/LuaLaTeX
    journal_abbrev: bool = False  # journals in ISO 4 form
    bibstyle: str | None = None  # the document's BibTeX style, when known (from its .aux)


@dataclass(frozen=True)
class Format:
    name: str  # as --format and rsbib.toml spell it
    extension: str  # Datasette's page for it: /db/works.<extension>
    content_type: str
    write: Callable[[list[Item], Style], tuple[str, list[str]]]  # the text and its warnings


def _bibtex(items: list[Item], style: Style) -> tuple[str, list[str]]:
    return write_bibtex(items, biblatex=False, unicode=style.unicode, journal_abbrev=style.journal_abbrev,
                        bibstyle=style.bibstyle)


def _biblatex(items: list[Item], style: Style) -> tuple[str, list[str]]:
    return write_bibtex(items, biblatex=True, unicode=style.unicode, journal_abbrev=style.journal_abbrev)


def _csl_json(items: list[Item], style: Style) -> tuple[str, list[str]]:
    return write_csl(items), [provisional_warning(i) for i in items if i.provisional]


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("bibtex", "bib", "application/x-bibtex", _bibtex),
    Format("biblatex", "biblatex", "application/x-bibtex", _biblatex),
    Format("csl-json", "csljson", "application/json", _csl_json),
)}
NAMES = tuple(FORMATS)  # bibtex first: the default everywhere


def render(items: list[Item], fmt: str, style: Style = Style()) -> tuple[str, list[str]]:
    """The text of `items` in format `fmt`, and its warnings (for stderr)."""
    return FORMATS[fmt].write(items, style)
