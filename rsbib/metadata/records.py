"""The record of one paper as rsbib holds it, whichever service it came from."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass
class Author:
    family: str
    given: str = ""

    @property
    def name(self) -> str:
        """"Family, Given" (BibTeX's unambiguous form)."""
        return f"{self.family}, {self.given}" if self.given else self.family

    @classmethod
    def parse(cls, text: str) -> Author:
        """Read "Family, Given" or "Given Family" (the last word is the family name)."""
        text = " ".join(text.split())
        if "," in text:
            family, given = text.split(",", 1)
            return cls(family.strip(), given.strip())
        words = text.rsplit(" ", 1)
        return cls(words[-1], words[0] if len(words) == 2 else "")


@dataclass
class WorkRecord:
    """Canonical metadata of one paper: the version of record plus its arXiv preprint.

    `type` is one of journal-article, proceedings-article, book-chapter, preprint, misc.
    `venue_source` says where venue and year came from: crossref, arxiv or list.
    """

    title: str
    authors: list[Author] = field(default_factory=list)
    doi: str | None = None
    arxiv_id: str | None = None
    year: int | None = None
    month: int | None = None
    venue: str | None = None
    type: str = "preprint"
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    publisher: str | None = None
    url: str | None = None
    abstract: str | None = None
    arxiv_title: str | None = None
    arxiv_year: int | None = None
    primary_class: str | None = None
    journal_ref: str | None = None
    arxiv_doi: str | None = None
    title_en: str | None = None
    venue_source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["authors"] = [a.name for a in self.authors]
        return data

    def with_changes(self, **changes: Any) -> WorkRecord:
        return replace(self, **changes)


@dataclass(frozen=True)
class RowToResolve:
    """What the resolver needs to know of one row of the list (storage builds it from its columns)."""

    id: int
    title: str
    venue_label: str | None = None  # the label as written ("TGRS2022", "Arxiv2023")
    label_year: int | None = None
    link_kind: str | None = None  # what the paper link points at ("arxiv", "doi", "github", ...)
    has_paper_link: bool = False
    publication: str | None = None
    arxiv_id: str | None = None  # read from the link, or bound by hand
    doi: str | None = None
    pinned: bool = False  # bound to a paper by hand: looked up by its id whatever the row says
    authors: tuple[Author, ...] = ()  # when the row names them (a .bib entry; a list row does not)

    def identifier(self, kind: str) -> str | None:
        """The row's identifier of this kind ("arxiv", "doi"), if it has one."""
        return {"arxiv": self.arxiv_id, "doi": self.doi}.get(kind)


@dataclass
class Outcome:
    """What resolution decided for one row."""

    entry_id: int
    status: str  # resolved, unresolved, ambiguous, failed, not-a-paper
    work: WorkRecord | None = None
    method: str | None = None
    score: float | None = None
    note: str | None = None
    candidates: list[dict[str, Any]] | None = None
