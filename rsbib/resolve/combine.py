"""One work from the records several sources hold of a paper: which fields lead, which fill gaps."""

from __future__ import annotations

from rsbib.metadata import venues
from rsbib.metadata.records import RowToResolve, WorkRecord
from rsbib.resolve.matching import TITLE_ALONE, title_score


def merge(published: WorkRecord | None, preprint: WorkRecord | None) -> WorkRecord | None:
    """One work from both versions: the version of record leads, arXiv adds the eprint fields."""
    if published is None:
        return preprint
    if preprint is None:
        return published
    authors = published if published.authors else preprint
    if published.authors_incomplete and preprint.authors and not preprint.authors_incomplete \
            and len(preprint.authors) > len(published.authors):
        authors = preprint  # the version of record's list says it is incomplete; arXiv's is whole
    return published.with_changes(
        title=published.title or preprint.title,
        authors=authors.authors,
        authors_incomplete=authors.authors_incomplete,
        arxiv_id=preprint.arxiv_id,
        arxiv_title=preprint.arxiv_title,
        arxiv_year=preprint.arxiv_year,
        primary_class=preprint.primary_class,
        journal_ref=preprint.journal_ref,
        arxiv_doi=preprint.arxiv_doi,
        abstract=published.abstract or preprint.abstract,
    )


def fill_from_label(work: WorkRecord, row: RowToResolve) -> WorkRecord:
    """A preprint whose version of record no source could be asked for takes the row's label.

    (When a fallback source such as DBLP answered without a version of record,
    the work stays a preprint: the label alone is not evidence enough.)
    """
    venue = venues.from_label(row.venue_label) if work.type == "preprint" else None
    if venue is None:
        return work
    return work.with_changes(venue=venue.name, type=venue.type,
                             year=row.label_year or work.year,
                             month=None, venue_source="list")


def twin(match: WorkRecord, candidates: list[WorkRecord]) -> WorkRecord | None:
    """The preprint among `candidates` that is `match` posted on arXiv (same title, an arXiv id)."""
    return next((c for c in candidates if c.type == "preprint" and c.arxiv_id
                 and title_score(c.title, match.title) >= TITLE_ALONE), None)


def identifier(record: WorkRecord, kind: str | None) -> str | None:
    """A record's identifier of this kind ("arxiv", "doi")."""
    return {"arxiv": record.arxiv_id, "doi": record.doi}.get(kind or "")


def completed(partial: WorkRecord, whole: WorkRecord) -> WorkRecord:
    """`partial` (from a fallback source) with the gaps filled from the service that owns its id.

    A preprint is replaced by arXiv's record; a version of record keeps its venue
    and its `venue_source` and takes the registrar's authors, issue, month and
    publisher where it lacks them.
    """
    if partial.type == "preprint":
        return whole
    authors = whole if whole.authors else partial
    return partial.with_changes(
        authors=authors.authors, authors_incomplete=authors.authors_incomplete,
        volume=partial.volume or whole.volume, issue=partial.issue or whole.issue,
        pages=partial.pages or whole.pages, month=partial.month or whole.month,
        publisher=partial.publisher or whole.publisher, url=partial.url or whole.url)
