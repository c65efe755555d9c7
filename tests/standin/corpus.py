"""The stand-in's corpus: the snapshot split the way arXiv and Crossref split a paper.

Records marked `synthetic` are not real: they are near-miss distractors that a
careless resolver would match (the same title years apart, a longer title that
contains the real one, a posted preprint of the same paper). Their DOIs use
Crossref's test prefix 10.5555 and their arXiv ids the 9912 range, so they can
never be mistaken for real records.

One thing is served in a form the snapshot does not write: an author list the
snapshot marks incomplete (`authors_complete: false`) ends, on the Crossref side,
with the "et al." author that real Crossref deposits carry in that case.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .dblp import DblpHit, hits_of

SNAPSHOT = Path(__file__).with_name("snapshot.jsonl")
TEST_PREFIX = "10.5555"


@dataclass
class ArxivPaper:
    arxiv_id: str
    title: str
    authors: list[str]  # "Given Family"
    published: str  # ISO date-time
    doi: str | None = None
    journal_ref: str | None = None
    primary_category: str = ""  # unknown unless the snapshot gives it: none is made up
    summary: str = ""  # the snapshot holds no abstracts: the feed's <summary> stays empty
    synthetic: bool = False


@dataclass
class CrossrefWork:
    doi: str
    title: str
    authors: list[tuple[str, str]]  # (given, family)
    year: int | None
    type: str
    container: str | None = None
    volume: str | None = None
    issue: str | None = None
    page: str | None = None
    publisher: str | None = None
    synthetic: bool = False
    extra: dict = field(default_factory=dict)


@dataclass
class Corpus:
    arxiv: dict[str, ArxivPaper]
    crossref: dict[str, CrossrefWork]
    dblp: list[DblpHit] = field(default_factory=list)

    @classmethod
    def from_snapshot(cls, path: Path = SNAPSHOT, distractors: bool = True) -> Corpus:
        records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
        return cls.from_records(records, distractors)

    @classmethod
    def from_records(cls, records: list[dict], distractors: bool = True) -> Corpus:
        corpus = cls({}, {})
        for n, rec in enumerate(records):
            corpus.add(rec)
            if distractors:
                corpus.add_distractors(rec, n)
        return corpus

    def add(self, rec: dict) -> None:
        """Add one snapshot record: its arXiv side, its Crossref side (a DOI) and its DBLP hits."""
        self.dblp += hits_of(rec, len(self.dblp))
        authors = [_split(a) for a in rec.get("authors") or []]
        if rec.get("arxiv_id"):
            aid = rec["arxiv_id"]
            self.arxiv[aid] = ArxivPaper(
                arxiv_id=aid,
                title=rec["title"],
                authors=[f"{g} {f}".strip() for g, f in authors],
                published=arxiv_date(aid),
                doi=rec["doi"] if rec.get("doi_on_arxiv") else None,
                primary_category=rec.get("primary_category", ""),
                synthetic=rec.get("synthetic", False),
            )
        if rec.get("doi") and rec.get("type") != "preprint":
            # An author list the snapshot knows is incomplete ends as such deposits do in
            # Crossref: an "author" et al. (given "et", family "al.", WDscholia/scholia#2722).
            incomplete = authors and rec.get("authors_complete") is False
            self.crossref[rec["doi"].lower()] = CrossrefWork(
                doi=rec["doi"], title=rec.get("title_crossref") or rec["title"],
                authors=authors + [("et", "al.")] if incomplete else authors,
                year=rec.get("year"), type=rec.get("type") or "journal-article",
                container=rec.get("venue"), volume=rec.get("volume"), issue=rec.get("issue"),
                page=rec.get("pages"), publisher=_publisher(rec["doi"]),
                synthetic=rec.get("synthetic", False))

    def add_distractors(self, rec: dict, n: int) -> None:
        """Near misses around one real paper (all synthetic, see module docstring)."""
        others = [("Ada", "Synthetic"), ("Alan", "Distractor")]
        if rec.get("doi") and rec.get("year"):
            self.crossref[f"{TEST_PREFIX}/same-title.{n}"] = CrossrefWork(
                doi=f"{TEST_PREFIX}/same-title.{n}", title=rec["title"], authors=others,
                year=rec["year"] - 3, type="journal-article",
                container="Synthetic Journal of Near Misses", synthetic=True)
            self.crossref[f"{TEST_PREFIX}/comment.{n}"] = CrossrefWork(
                doi=f"{TEST_PREFIX}/comment.{n}", title=f"Comments on “{rec['title']}”",
                authors=others, year=rec["year"] + 1, type="journal-article",
                container="Synthetic Journal of Near Misses", synthetic=True)
            if rec.get("arxiv_id"):
                self.crossref[f"{TEST_PREFIX}/posted.{n}"] = CrossrefWork(
                    doi=f"{TEST_PREFIX}/posted.{n}", title=rec["title"],
                    authors=[_split(a) for a in rec.get("authors") or []],
                    year=2000 + int(rec["arxiv_id"][:2]), type="posted-content",
                    publisher="Synthetic Preprint Server", synthetic=True,
                    extra={"subtype": "preprint"})
        if rec.get("arxiv_id"):
            sid = f"9912.{n:05d}"
            self.arxiv[sid] = ArxivPaper(
                arxiv_id=sid, title=f"{rec['title']}: A Synthetic Extended Study",
                authors=["Ada Synthetic", "Alan Distractor"], published="1999-12-01T00:00:00Z",
                summary="Synthetic near-miss distractor of the rsbib stand-in.", synthetic=True)


def arxiv_date(arxiv_id: str) -> str:
    """Submission date-time implied by a new-style id (YYMM.NNNNN -> 20YY-MM-15)."""
    match = re.match(r"(\d{2})(\d{2})\.", arxiv_id)
    if not match:
        return "2006-01-02T00:00:00Z"
    return f"20{match.group(1)}-{match.group(2)}-15T12:00:00Z"


def _split(name: str) -> tuple[str, str]:
    """"Family, Given" -> (given, family)."""
    if "," in name:
        family, given = name.split(",", 1)
        return given.strip(), family.strip()
    return "", name.strip()


def _publisher(doi: str) -> str | None:
    prefixes = {
        "10.1109": "Institute of Electrical and Electronics Engineers (IEEE)",
        "10.1016": "Elsevier BV", "10.3390": "MDPI AG", "10.1007": "Springer Nature Switzerland",
        "10.1609": "Association for the Advancement of Artificial Intelligence (AAAI)",
        "10.5194": "Copernicus GmbH",
    }
    return prefixes.get(doi.split("/", 1)[0])
