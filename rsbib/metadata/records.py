"""The records that cross rsbib's layers: a paper (works, authors), a row of the list as stored
(entries), what resolution decided (outcomes), the counts `status` prints; the statuses and
work types they carry, as enums whose values are the text the library stores.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import Enum
from typing import Any


class _StoredText(str, Enum):
    """An enum whose members are the very strings the library stores and prints."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class EntryStatus(_StoredText):
    """What a row of the list is, as far as the services could tell."""

    RESOLVED = "resolved"
    PENDING = "pending"  # no service has been asked about the row yet (new, changed, offline)
    UNRESOLVED = "unresolved"  # asked, and no service holds the paper
    AMBIGUOUS = "ambiguous"
    FAILED = "failed"  # the asking failed
    NOT_A_PAPER = "not-a-paper"


# Statuses whose answer is final until the row changes or --refresh is given.
SETTLED = (EntryStatus.RESOLVED, EntryStatus.AMBIGUOUS, EntryStatus.NOT_A_PAPER)
# Rows that have an answer (found or not): a second sync does not ask about them again.
ANSWERED = (*SETTLED, EntryStatus.UNRESOLVED)


class WorkType(_StoredText):
    JOURNAL_ARTICLE = "journal-article"
    PROCEEDINGS_ARTICLE = "proceedings-article"
    BOOK_CHAPTER = "book-chapter"
    PREPRINT = "preprint"
    MISC = "misc"


PUBLISHED_TYPES = frozenset({WorkType.JOURNAL_ARTICLE, WorkType.PROCEEDINGS_ARTICLE, WorkType.BOOK_CHAPTER})


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

    `type` is a WorkType (journal-article, proceedings-article, book-chapter, preprint, misc).
    `venue_source` says where venue and year came from: crossref, arxiv or list.
    """

    title: str
    authors: list[Author] = field(default_factory=list)
    authors_incomplete: bool = False  # a source said there are more authors than it names
    doi: str | None = None
    arxiv_id: str | None = None
    year: int | None = None
    month: int | None = None
    venue: str | None = None
    type: str = WorkType.PREPRINT
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
    status: EntryStatus
    work: WorkRecord | None = None
    method: str | None = None
    score: float | None = None
    note: str | None = None
    candidates: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class Entry:
    """A row of the list as the library stores it (table `entries`), with its current answer."""

    id: int
    row_key: str  # the row's stable identity: table, title and link
    category: str
    line: int
    title: str
    status: EntryStatus
    abbreviation: str | None = None
    publication: str | None = None
    paper_url: str | None = None
    code_url: str | None = None
    work_id: int | None = None
    note: str | None = None
    citekey: str | None = None
    listed: bool = True

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Entry:
        """An `entries` row (its extra columns set aside)."""
        return cls(id=row["id"], row_key=row["row_key"], category=row["category"], line=row["line"],
                   title=row["title"], status=EntryStatus(row["status"]),
                   abbreviation=row.get("abbreviation"), publication=row.get("publication"),
                   paper_url=row.get("paper_url"), code_url=row.get("code_url"),
                   work_id=row.get("work_id"), note=row.get("note"), citekey=row.get("citekey"),
                   listed=bool(row.get("listed", 1)))


@dataclass
class StatusCounts:
    """Rows per table and status (rows still listed), the works, and the rows no longer listed."""

    works: int
    unlisted: int
    categories: dict[str, dict[EntryStatus, int]]

    @property
    def totals(self) -> dict[EntryStatus, int]:
        return {s: sum(c[s] for c in self.categories.values()) for s in EntryStatus}

    @property
    def rows(self) -> int:
        return sum(self.totals.values())

    def to_dict(self) -> dict[str, Any]:
        """As `rsbib status --json` prints it."""
        def named(counts: dict[EntryStatus, int]) -> dict[str, int]:
            return {s.value: counts[s] for s in EntryStatus}

        return {"rows": self.rows, "works": self.works, "totals": named(self.totals),
                "unlisted": self.unlisted,
                "categories": {slug: {"rows": sum(c.values()), **named(c)}
                               for slug, c in self.categories.items()}}
