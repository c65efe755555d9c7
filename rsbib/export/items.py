"""The records an export is made of: an item per entry, with its work and its first row.

The database's column names stay on this side: the writers (bibtex, csl) read these.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from rsbib.metadata.authors import authors_incomplete
from rsbib.metadata.records import Author


class _FromRow:
    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Any:
        """The record from a database row: its own fields only, missing ones at their default."""
        return cls(**{f.name: row[f.name] for f in fields(cls)  # type: ignore[arg-type]
                      if row.get(f.name) is not None})


@dataclass(frozen=True)
class Work(_FromRow):
    """A work as the exporters read it (the database's column names stay on this side)."""

    title: str
    id: int | None = None
    type: str = "preprint"  # journal-article | proceedings-article | book-chapter | preprint | misc
    title_en: str | None = None
    venue: str | None = None
    venue_source: str | None = None  # crossref | arxiv | list
    year: int | None = None
    month: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    publisher: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    primary_class: str | None = None
    abstract: str | None = None  # written only when asked (rsbib export --abstracts)
    url: str | None = None  # written for a row completed by hand (other works: DOI or arXiv id)
    authors_incomplete: bool = False  # more authors than named: written "and others"

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Any:
        """As `_FromRow`; an incomplete list is read off the authors string a `works` row stores."""
        stored = row.get("authors")
        if "authors_incomplete" not in row and isinstance(stored, str):
            row = {**row, "authors_incomplete": authors_incomplete(stored)}
        return super().from_row(row)


@dataclass(frozen=True)
class ListRow(_FromRow):
    """A row of the list as the exporters read it (the first row that cites an item)."""

    title: str
    id: int | None = None
    work_id: int | None = None
    row_key: str | None = None
    category: str | None = None
    line: int | None = None
    status: str | None = None
    abbreviation: str | None = None
    publication: str | None = None
    label_year: int | None = None
    paper_url: str | None = None
    code_url: str | None = None


@dataclass
class Item:
    """One bibliography entry: a work, a row that names no paper, or an unverified row."""

    key: str
    kind: str  # work | project | unverified
    work: Work | None
    entry: ListRow  # the first row of the list that cites it
    authors: list[Author] = field(default_factory=list)
    provisional: bool = False  # a key made for this export only (the row is not settled yet)
    by_hand: bool = False  # a row no service holds, its work completed by hand (rsbib pin --set)

    def __post_init__(self) -> None:
        # Rows straight from the database are read into the typed records here.
        if isinstance(self.work, dict):
            self.work = Work.from_row(self.work)
        if isinstance(self.entry, dict):
            self.entry = ListRow.from_row(self.entry)

    @property
    def paper(self) -> Work:
        """The work of an item of kind `work` (an item of another kind has none)."""
        if self.work is None:
            raise ValueError(f"{self.key}: a {self.kind} item has no work")
        return self.work


def provisional_warning(item: Item) -> str:
    """The warning for a key made for this export only: its row is not settled yet."""
    return (f"{item.key}: provisional key; line {item.entry.line} is not resolved yet "
            f"({item.entry.status}), its key may change once it is")
