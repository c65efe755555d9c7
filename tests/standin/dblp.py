"""The stand-in's DBLP side: the snapshot's papers as DBLP search hits, and the answers' JSON.

A paper with a `dblp_venue` gets a hit for its version of record (title with
DBLP's final period, whole author names, DBLP's venue name, year, volume,
number, pages, the DOI where the snapshot has one); every paper with an arXiv
id gets a `CoRR` hit. What DBLP would add that the snapshot does not hold is a
PLACEHOLDER and says so: record keys, `@pid`s, `@id`s, record URLs, `ee` links
without a DOI, and the four-digit disambiguation numbers added to common names
(they exist to exercise DBLP's quirk, not as facts).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

PLACEHOLDER = "placeholder"
# Names DBLP would disambiguate; the number is a placeholder (see the module docstring).
COMMON_FAMILIES = {"Zhang", "Wang", "Li", "Liu", "Chen", "Khan", "Wu", "Yang", "Zhou"}


@dataclass
class DblpHit:
    n: int  # placeholder record number
    title: str
    authors: list[str]  # "Given Family", as DBLP writes names
    venue: str
    type: str
    year: int | None
    volume: str | None = None
    number: str | None = None
    pages: str | None = None
    doi: str | None = None
    synthetic: bool = False
    words: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.words = set(words(self.title + " " + " ".join(self.authors)))


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", text)


def whole_name(name: str) -> str:
    """"Family, Given" -> "Given Family", with a placeholder disambiguation number for common names."""
    family, _, given = name.partition(",")
    family, given = family.strip(), given.strip()
    suffix = " 0001" if family in COMMON_FAMILIES else ""
    return f"{given} {family}{suffix}".strip()


def hits_of(rec: dict[str, Any], n: int) -> list[DblpHit]:
    """The hits DBLP holds for one snapshot record: its version of record and its CoRR twin."""
    authors = [whole_name(a) for a in rec.get("authors") or []]
    found = []
    if rec.get("dblp_venue"):
        kind = ("Journal Articles" if rec.get("type") == "journal-article"
                else "Conference and Workshop Papers")
        found.append(DblpHit(n * 2, rec["title"], authors, rec["dblp_venue"], kind, rec.get("year"),
                             rec.get("volume"), rec.get("issue"), rec.get("pages"), rec.get("doi"),
                             rec.get("synthetic", False)))
    arxiv_id = rec.get("arxiv_id")
    if arxiv_id:
        found.append(DblpHit(n * 2 + 1, rec["title"], authors, "CoRR",
                             "Informal and Other Publications", 2000 + int(arxiv_id[:2]),
                             f"abs/{arxiv_id}", None, None, f"10.48550/ARXIV.{arxiv_id}",
                             rec.get("synthetic", False)))
    return found


def search(hits: list[DblpHit], query: str) -> list[tuple[float, DblpHit]]:
    """Hits holding every word of `query` in title or authors (the last word as a prefix)."""
    wanted = words(query)
    if not wanted:
        return []
    *whole, last = wanted
    scored = []
    for hit in hits:
        if not set(whole) <= hit.words or not any(w.startswith(last) for w in hit.words):
            continue
        scored.append((len(wanted) / len(hit.words | set(wanted)), hit))
    scored.sort(key=lambda s: (-s[0], s[1].n))
    return scored


def _info(hit: DblpHit) -> dict[str, Any]:
    people = [{"@pid": f"{PLACEHOLDER}/{hit.n}-{i}", "text": name}
              for i, name in enumerate(hit.authors)]
    info: dict[str, Any] = {"authors": {"author": people[0] if len(people) == 1 else people},
                            "title": hit.title + ".", "venue": hit.venue}
    for key in ("volume", "number", "pages"):
        if getattr(hit, key):
            info[key] = getattr(hit, key)
    if hit.year:
        info["year"] = str(hit.year)
    key = f"{PLACEHOLDER}/{'corr' if hit.venue == 'CoRR' else 'rec'}/{hit.n}"
    info.update({"type": hit.type, "access": "open" if hit.venue == "CoRR" else "closed",
                 "key": key})
    links = [f"https://example.invalid/{key}"]
    if hit.doi:
        info["doi"] = hit.doi
        links.insert(0, f"https://doi.org/{hit.doi}")
    info["ee"] = links[0] if len(links) == 1 else links
    info["url"] = f"https://dblp.org/rec/{key}"
    return info


def answer(query: str, found: list[tuple[float, DblpHit]], first: int, size: int) -> str:
    """The JSON DBLP's publication search answers (field names and nesting as in the samples)."""
    page = found[first:first + size]
    hits: dict[str, Any] = {"@total": str(len(found)), "@computed": str(len(found)),
                            "@sent": str(len(page)), "@first": str(first)}
    if page:
        hits["hit"] = [{"@score": str(max(1, round(score * 10))), "@id": str(hit.n),
                        "info": _info(hit), "url": f"URL#{hit.n}"} for score, hit in page]
    return json.dumps({"result": {
        "query": query, "status": {"@code": "200", "text": "OK"},
        "time": {"@unit": "msecs", "text": "1.00"},
        "completions": {"@total": "0", "@computed": "0", "@sent": "0"},
        "hits": hits}}, ensure_ascii=False)
