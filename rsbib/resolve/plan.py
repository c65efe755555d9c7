"""A row on its way to a decision (`Task`), the plan of which source is asked what, the decision.

The resolver (rsbib.resolve.resolver) moves tasks through the plan's steps; this module
holds what they carry and how a finished one becomes an `Outcome`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rsbib.metadata import venues
from rsbib.metadata.records import EntryStatus, Outcome, RowToResolve, WorkRecord
from rsbib.resolve.combine import fill_from_label, merge
from rsbib.resolve.matching import Verdict
from rsbib.sources.base import Source


@dataclass(frozen=True)
class Plan:
    """Which source is asked which question, in order (names of sources)."""

    lookups: tuple[str, ...] = ()  # asked for the ids read from links; the first id a row has wins
    title_search: tuple[str, ...] = ()  # asked in turn for the rows no id settled
    published: tuple[str, ...] = ()  # asked in turn for the version of record of a preprint
    fallback: tuple[str, ...] = ()  # asked last, for works still without a version of record


@dataclass(eq=False)  # tasks are compared by identity: a row is itself, whatever it holds
class Task:
    """One row on its way to a decision."""

    row: RowToResolve
    preprint: WorkRecord | None = None
    published: WorkRecord | None = None
    methods: list[str] = field(default_factory=list)
    score: float | None = None
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    ambiguous: Verdict | None = None
    searched: Verdict | None = None  # the first record source's answer to the row's own title
    searched_by: str | None = None
    project: bool = False  # the row names no paper (a code repository, a website)
    queued: bool = False  # handed to the fallback line
    fallback_answered: bool = False  # a fallback source answered for it (the label is not needed)
    ready: bool = False  # needs nothing more; a worker sets it last
    done: bool = False  # its outcome was handed out

    @property
    def title(self) -> str:
        return self.row.title

    def take(self, verdict: Verdict, source: Source) -> None:
        """Record a title search's verdict: the match in the slot of the source's kind, or why not."""
        if verdict.status == "match":
            if source.kind == "preprint":
                self.preprint = verdict.match
            else:
                self.published = verdict.match
            self.methods.append(f"{source.name}-title")
            if self.score is None:  # a preprint joined to a version of record keeps its score
                self.score = verdict.score
        elif verdict.status == "ambiguous" and self.published is None:
            self.ambiguous = verdict
        elif self.published is None:
            self.notes.append(f"{label(source)}: {verdict.reason}")

    def settled(self) -> bool:
        return bool(self.published or self.failures or self.ambiguous)


def label(source: Source) -> str:
    """How messages name a source ("arXiv", "Crossref")."""
    return str(getattr(source, "label", source.name))


def is_not_a_paper(row: RowToResolve) -> bool:
    """A GitHub project, a website: rows that name no paper at all."""
    if venues.is_not_a_paper_label(row.venue_label):
        return True
    if row.link_kind in ("github", "huggingface"):
        return True
    return not row.has_paper_link and (row.publication or "-").strip() == "-"


def lookup_method(source: Source) -> str:
    """The method stored for a row found by its id: `doi`, `arxiv-id`."""
    return "doi" if source.id_kind == "doi" else f"{source.id_kind}-id"


def outcome(task: Task) -> Outcome:
    """The decision a task ends in: resolved, failed, ambiguous, unresolved or not a paper."""
    row_id = task.row.id
    if task.project:
        return Outcome(row_id, EntryStatus.NOT_A_PAPER, method="list", note="; ".join(task.notes))
    method = "+".join(task.methods) or None
    work = merge(task.published, task.preprint)
    if work is not None and not work.title:
        task.failures.append("the record has no title")
        work = None
    note = "; ".join(task.notes + task.failures) or None
    if work is not None:
        if not task.fallback_answered:
            work = fill_from_label(work, task.row)
        status = EntryStatus.FAILED if task.failures else EntryStatus.RESOLVED
        return Outcome(row_id, status, work, method, task.score, note)
    if task.failures:
        return Outcome(row_id, EntryStatus.FAILED, method=method, note=note)
    if task.ambiguous:
        return Outcome(row_id, EntryStatus.AMBIGUOUS, method=method, score=task.ambiguous.score,
                       note=task.ambiguous.reason, candidates=task.ambiguous.candidates())
    candidates = task.searched.candidates() if task.searched else None
    return Outcome(row_id, EntryStatus.UNRESOLVED, method=method, note=note or "no record found",
                   candidates=candidates)
