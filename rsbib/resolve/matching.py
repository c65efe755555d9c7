"""Is this candidate the paper we are looking for? Scores, thresholds and reasons.

A wrong match is worse than no match: it silently puts another paper into
someone's bibliography. So a candidate is taken only when its title is
nearly the same, its year fits, its authors (where both sides have them)
overlap, and no second candidate is as good.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rsbib.metadata.records import PUBLISHED_TYPES, Author, RowToResolve, WorkRecord
from rsbib.metadata.translit import to_ascii
from rsbib.metadata.venues import is_preprint_label

TITLE_ALONE = 95.0  # a title this close is enough on its own (with the year)
TITLE_WITH_AUTHORS = 85.0  # closer than this needs authors in common to confirm
AUTHOR_OVERLAP = 0.3  # share of the shorter author list found in the other
TIE_MARGIN = 2.0  # two accepted candidates this close are too close to call

# Spaces and hyphens are dropped anyway ("Pre-training" = "Pretraining"); these are word variants.
_SPELLINGS = [
    (re.compile(r"\btowards\b"), "toward"),
    (re.compile(r"\bmodelling\b"), "modeling"),
]
_SECTION_TAG = re.compile(r"\s*\[[^\]]*\]\s*$")  # IEEE magazines: "... [Software and Data Sets]"


def normalize_title(title: str) -> str:
    """Lower-case ASCII letters and digits only, with common spelling variants unified."""
    text = _SECTION_TAG.sub("", to_ascii(title or "")).lower()
    for pattern, replacement in _SPELLINGS:
        text = pattern.sub(replacement, text)
    return re.sub(r"[^a-z0-9]", "", text)


def title_score(a: str, b: str) -> float:
    """0-100: how alike two titles are once case, punctuation, hyphens and accents are set aside."""
    na, nb = normalize_title(a), normalize_title(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 100.0
    from rapidfuzz import fuzz  # imported when titles are first compared: never by an offline sync

    return float(fuzz.ratio(na, nb))


def _family(author: Author) -> str:
    return re.sub(r"[^a-z]", "", to_ascii(author.family).lower())


def author_overlap(a: list[Author], b: list[Author]) -> float | None:
    """Share of the shorter list's family names found in the other; None if either is empty."""
    fa = {_family(x) for x in a if _family(x)}
    fb = {_family(x) for x in b if _family(x)}
    if not fa or not fb:
        return None
    return len(fa & fb) / min(len(fa), len(fb))


@dataclass
class Query:
    """What we know of the paper we look for."""

    title: str
    year: int | None = None
    authors: list[Author] = field(default_factory=list)
    years_before: int = 1  # how much earlier than `year` a candidate may be
    years_after: int = 1  # how much later
    published_only: bool = False  # refuse preprint-type records (posted content)


@dataclass
class Judgement:
    candidate: WorkRecord
    score: float
    accepted: bool
    reason: str

    def summary(self) -> dict[str, Any]:
        c = self.candidate
        return {"title": c.title, "doi": c.doi, "arxiv_id": c.arxiv_id, "year": c.year,
                "venue": c.venue, "score": round(self.score, 1), "accepted": self.accepted,
                "reason": self.reason}


@dataclass
class Verdict:
    """The decision for one query: a match, ambiguity, or nothing, and why."""

    status: str  # match | ambiguous | none
    match: WorkRecord | None
    score: float
    reason: str
    judgements: list[Judgement]

    def candidates(self) -> list[dict[str, Any]]:
        return [j.summary() for j in self.judgements]


def judge(query: Query, candidate: WorkRecord) -> Judgement:
    score = title_score(query.title, candidate.title)
    if query.published_only and candidate.type not in PUBLISHED_TYPES:
        return Judgement(candidate, score, False, f"a {candidate.type} record, not a published version")
    if query.year and candidate.year:
        delta = candidate.year - query.year
        if delta < -query.years_before or delta > query.years_after:
            return Judgement(candidate, score, False,
                             f"year {candidate.year} does not fit {query.year}")
    overlap = author_overlap(query.authors, candidate.authors)
    if overlap is not None and overlap < AUTHOR_OVERLAP:
        return Judgement(candidate, score, False, "no author in common")
    if score >= TITLE_ALONE:
        why = "title matches" + (f", authors overlap {overlap:.0%}" if overlap is not None else "")
        return Judgement(candidate, score, True, why)
    if score >= TITLE_WITH_AUTHORS and overlap is not None:
        return Judgement(candidate, score, True, f"title close, authors overlap {overlap:.0%}")
    if score >= TITLE_WITH_AUTHORS:
        return Judgement(candidate, score, False, "title close but no authors to confirm it")
    return Judgement(candidate, score, False, "title differs")


def same_paper(a: WorkRecord, b: WorkRecord) -> bool:
    return bool((a.doi and a.doi == b.doi) or (a.arxiv_id and a.arxiv_id == b.arxiv_id))


def decide(query: Query, candidates: list[WorkRecord]) -> Verdict:
    """Pick the one candidate that is this paper, or say why none (or several) could be."""
    judgements = sorted((judge(query, c) for c in candidates), key=lambda j: -j.score)
    accepted = [j for j in judgements if j.accepted]
    if not accepted:
        best = judgements[0] if judgements else None
        reason = (f"no candidate close enough (best: {best.candidate.title!r}, "
                  f"{best.score:.0f}, {best.reason})" if best else "no candidates")
        return Verdict("none", None, best.score if best else 0.0, reason, judgements)
    top = accepted[0]
    rivals = [j for j in accepted[1:]
              if top.score - j.score < TIE_MARGIN and not same_paper(top.candidate, j.candidate)]
    if rivals:
        return Verdict("ambiguous", None, top.score,
                       f"{len(rivals) + 1} candidates are equally close", judgements)
    return Verdict("match", top.candidate, top.score, top.reason, judgements)


# -- what a row or a preprint tells of the paper sought -------------------------------


def row_query(row: RowToResolve) -> Query:
    """What a row tells about its paper: its title, the year of its label, its authors if any."""
    preprint = is_preprint_label(row.venue_label)
    return Query(row.title, row.label_year, list(row.authors), years_before=1,
                 years_after=3 if preprint else 1, published_only=True)


def preprint_query(row: RowToResolve) -> Query:
    """A row's preprint: submitted up to three years before the label's year."""
    return Query(row.title, row.label_year, list(row.authors), years_before=3, years_after=1)


def preprint_of_query(published: WorkRecord) -> Query:
    """The arXiv preprint of a published paper: same title and authors, posted up to three years before."""
    return Query(published.title, published.year, published.authors, years_before=3, years_after=1)


def published_query(preprint: WorkRecord) -> Query:
    """The published version of a preprint: same title and authors, published since."""
    return Query(preprint.title, preprint.arxiv_year or preprint.year, preprint.authors,
                 years_before=1, years_after=3, published_only=True)


def published_search_text(preprint: WorkRecord) -> str:
    """A bibliographic query for a preprint's published version: title and first author."""
    first = preprint.authors[0].family if preprint.authors else ""
    return f"{preprint.title} {first}".strip()
