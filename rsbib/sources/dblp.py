"""DBLP's publication search: versions of record that have no DOI (NeurIPS, ICLR, ICML, CVF workshops).

One request per title (DBLP has no OR between whole titles), one at a time,
at least `RSBIB_DBLP_DELAY` seconds apart (DBLP asks for one or two seconds),
a timeout on each, 429 + Retry-After obeyed, 5xx, timeouts, HTML and empty
answers retried with backoff. Hits are read into records: `CoRR` hits are
arXiv preprints (their id kept), the others versions of record whose DBLP
venue name becomes the canonical one. DBLP's own keys and URLs are never kept.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rsbib.metadata import venues
from rsbib.metadata.authors import known_authors
from rsbib.metadata.identifiers import normalize_arxiv_id
from rsbib.metadata.names import parse_name as whole_name
from rsbib.metadata.records import Author, WorkRecord
from rsbib.settings import Settings
from rsbib.sources import fields
from rsbib.sources.arxiv import _no_connection as no_connection
from rsbib.sources.base import Answers, BadAnswer, Kind, Lookup, SourceFailure, Transient, Unexpected, Unreachable
from rsbib.sources.client import ServiceClient, allowed_by
from rsbib.sources.polite import Recorder, by_status, describe, retry_after_seconds, why_unreachable

if TYPE_CHECKING:
    import requests

HITS = 5  # hits per title: the version of record, its CoRR twin, a few near misses
TYPES = {
    "Journal Articles": "journal-article",
    "Conference and Workshop Papers": "proceedings-article",
    "Parts in Books or Collections": "book-chapter",
    "article": "journal-article",  # the older search API's types
    "inproceedings": "proceedings-article",
    "incollection": "book-chapter",
}
PREPRINT_VENUE = "CoRR"
# DBLP's short venue names (its `venue` field) -> the list label of the canonical venue.
# Data that can grow: an unknown name is kept as DBLP gives it.
DBLP_VENUES: list[tuple[str, str]] = [
    (r"^CVPR Workshops$", "CVPRW"),
    (r"^CVPR$", "CVPR"),
    (r"^ICCV$", "ICCV"),
    (r"^ECCV( \(\d+\))?$", "ECCV"),
    (r"^NeurIPS$", "NeurIPS"),
    (r"^ICLR$", "ICLR"),
    (r"^ICML$", "ICML"),
    (r"^AAAI$", "AAAI"),
    (r"^IGARSS$", "IGARSS"),
    (r"^IEEE Trans\. Geosci\. Remote\. Sens\.$", "TGRS"),
    (r"^IEEE J\. Sel\. Top\. Appl\. Earth Obs\. Remote\. Sens\.$", "JSTARS"),
    (r"^IEEE Geosci\. Remote\. Sens\. Mag\.$", "GRSM"),
    (r"^IEEE Geosci\. Remote\. Sens\. Lett\.$", "GRSL"),
    (r"^IEEE Trans\. Pattern Anal\. Mach\. Intell\.$", "TPAMI"),
    (r"^ISPRS J\. Photogramm\. Remote Sens\.$", "ISPRS"),
    (r"^Remote\. Sens\.$", "RS"),
    (r"^Int\. J\. Appl\. Earth Obs\. Geoinformation$", "JAG"),
]
_DISAMBIGUATION = re.compile(r"\s+\d{4}$")  # "Wei Zhang 0001"


def canonical_venue(dblp_venue: str | None) -> str | None:
    """The venue's canonical name for one of DBLP's short names; unknown names unchanged."""
    if not dblp_venue:
        return None
    for pattern, label in DBLP_VENUES:
        if re.search(pattern, dblp_venue):
            venue = venues.from_label(label)
            if venue is not None:
                return venue.name
    return dblp_venue


def person(name: str) -> Author:
    """One DBLP author: the disambiguation number dropped, the whole name split as arXiv's are."""
    return whole_name(_DISAMBIGUATION.sub("", html.unescape(name).strip()))


def _as_list(value: Any) -> list[Any]:
    """DBLP gives one item as itself and several as a list (authors, `ee`, hits)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _venue_names(value: Any) -> list[str]:
    """DBLP's short venue names: a string, a list of them, or (the older search API) an object
    whose `@journal` or `@conference` is the short name and whose text adds volume and pages."""
    names = []
    for item in _as_list(value):
        if isinstance(item, dict):
            item = item.get("@journal") or item.get("@conference") or item.get("text")
        name = fields.text(item)
        if name:
            names.append(name)
    return names


def arxiv_id_of(info: dict[str, Any]) -> str | None:
    """A CoRR hit's arXiv id, from `volume` (abs/<id>, also inside an older answer's venue
    object) or its 10.48550 DOI."""
    venue = info.get("venue")
    volume = fields.text(info.get("volume") or (venue.get("@volume") if isinstance(venue, dict) else None)) or ""
    if volume.startswith("abs/"):
        found = normalize_arxiv_id(volume[4:])
        if found:
            return found
    doi = fields.text(info.get("doi")) or ""
    prefix = "10.48550/arxiv."
    return normalize_arxiv_id(doi[len(prefix):]) if doi.lower().startswith(prefix) else None


def to_record(info: dict[str, Any]) -> WorkRecord | None:
    """One hit's `info` as a record: a preprint for CoRR, else a version of record; None if untitled.

    Every field may come as text, as an object with its `text`, or as a list
    (a venue given as ["DAC", "DAC Workshops"]: a CoRR among them makes a preprint).
    """
    title = fields.text(info.get("title")) or ""
    if title.endswith("."):
        title = title[:-1]
    if not title:
        return None
    names = [fields.text(a) or "" for a in _as_list((info.get("authors") or {}).get("author"))]
    authors, incomplete = known_authors(person(n) for n in names if n.strip())
    year = fields.year(info.get("year"))
    venue_names = _venue_names(info.get("venue"))
    if PREPRINT_VENUE in venue_names:
        arxiv_id = arxiv_id_of(info)
        return WorkRecord(title=title, authors=authors, authors_incomplete=incomplete,
                          arxiv_id=arxiv_id, year=year,
                          type="preprint", arxiv_title=title, arxiv_year=year,
                          url=f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None,
                          venue_source="dblp")
    doi = fields.doi(info.get("doi"))
    return WorkRecord(
        title=title, authors=authors, authors_incomplete=incomplete, doi=doi, year=year,
        venue=canonical_venue(venue_names[0] if venue_names else None),
        type=TYPES.get(fields.text(info.get("type")) or "", "misc"),
        volume=fields.text(info.get("volume")),
        issue=fields.text(info.get("number")),
        pages=fields.text(info.get("pages")),
        url=f"https://doi.org/{doi}" if doi else None,
        venue_source="dblp",
    )


def parse_answer(body: str) -> list[WorkRecord]:
    """The records of a search answer; BadAnswer when it is not DBLP's JSON (HTML, empty, cut)."""
    if not body.strip():
        raise BadAnswer("empty answer")
    try:
        data = json.loads(body)
    except ValueError:
        kind = "an HTML page" if body.lstrip().startswith("<") else "not JSON"
        raise BadAnswer(f"answer is {kind}") from None
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(result, dict) or "hits" not in result:
        raise BadAnswer("answer has no result.hits")
    code = str((result.get("status") or {}).get("@code") or "200")
    if code != "200":
        raise BadAnswer(f"DBLP status {code}")
    records = [to_record(hit.get("info") or {}) for hit in _as_list(result["hits"].get("hit"))
               if isinstance(hit, dict)]
    return [r for r in records if r is not None]


def query_words(text: str) -> str:
    """A title as DBLP's search wants it: its words, no punctuation (DBLP has no phrase syntax)."""
    return " ".join(re.findall(r"[^\W_]+", text))


class DblpSource(ServiceClient):
    """DBLP: versions of record (and arXiv twins) by title, one request at a time."""

    name = "dblp"
    label = "DBLP"
    kind: Kind = "record"
    id_kind: str | None = None

    def __init__(self, settings: Settings, recorder: Recorder | None = None,
                 on_unreachable: Callable[[str, str], None] | None = None):
        super().__init__(settings.dblp_url, allowed_by(self.name, settings), settings.retries,
                         settings.backoff, recorder, on_unreachable)
        self.settings = settings
        self._session: requests.Session | None = None

    @property
    def session(self) -> requests.Session:
        """The `requests` session, made (and `requests` imported) on first use, before a request's turn."""
        if self._session is None:
            import requests

            session = requests.Session()
            session.headers["User-Agent"] = self.settings.user_agent
            self._session = session
        return self._session

    def lookup(self, ids: Sequence[str]) -> Lookup:
        """DBLP is not asked by identifier."""
        return Lookup()

    def search(self, texts: Sequence[str]) -> Answers:
        """Hits for each title, one request each, in turn."""
        answers: Answers = {}
        for text in dict.fromkeys(texts):
            words = query_words(text)
            if not words:
                answers[text] = []
                continue
            try:
                answers[text] = self._ask(words)
            except SourceFailure as failure:
                answers[text] = failure
        return answers

    def _ask(self, words: str) -> list[WorkRecord]:
        params = {"q": words, "format": "json", "h": str(HITS), "c": "0"}
        session = self.session

        def attempt() -> list[WorkRecord]:
            response = session.get(self.url, params=params, timeout=self.settings.timeout)
            self.counted(response.url, response.status_code, dict(response.headers), response.text,
                         int(response.elapsed.total_seconds() * 1000))
            if response.status_code != 200:
                raise by_status(response.status_code, f"HTTP {response.status_code}",
                                retry_after_seconds(response.headers.get("retry-after")))
            return parse_answer(response.text)

        return self.call("search", attempt, _classify)


def _classify(exc: Exception) -> SourceFailure:
    """The typed failure behind what `requests` raised (HTTP statuses are typed where read)."""
    import requests

    if isinstance(exc, SourceFailure):
        return exc
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.Timeout):
        if no_connection(exc):
            return Unreachable(why_unreachable(exc))
        return Transient(describe(exc))
    if isinstance(exc, (requests.Timeout, requests.exceptions.ChunkedEncodingError)):
        return Transient(type(exc).__name__)
    return Unexpected(describe(exc))
