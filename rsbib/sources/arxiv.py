"""The arXiv API through the `arxiv` package: id batches and title searches.

The package has no timeout, no backoff, no way to set the URL or the
User-Agent, and it cannot tell "no such id" from "the server sent junk"
(both give zero results). This module adds those, and keeps the package's
own request building and feed parsing.
"""

from __future__ import annotations

import logging
import re
import threading

import arxiv
import requests
from lxml import etree

from ..identifiers import normalize_arxiv_id, publication_doi
from ..names import parse_name
from ..records import WorkRecord
from ..settings import Settings
from ..translit import to_ascii
from .polite import Recorder, SourceFailure, Throttle, Transient, batched, with_retries

BATCH = 100
SEARCH_ROWS = 5  # results per title
TITLES_PER_REQUEST = 20  # OR'ed phrases; about 2 KB of URL
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_ERROR_SUMMARY = re.compile(r"<summary>([^<]*)</summary>")

# The package logs a warning for every malformed feed and skipped entry; we report those ourselves.
logging.getLogger("arxiv").setLevel(logging.ERROR)


class _BadFeed(Exception):
    """A 200 answer that is not a complete Atom feed (truncated, HTML, ...)."""


class ArxivSource:
    service = "arxiv"

    def __init__(self, settings: Settings, recorder: Recorder | None = None):
        self.settings = settings
        self.recorder = recorder
        self.requests = 0
        self.throttle = Throttle(settings.arxiv_delay)
        self.client = arxiv.Client(page_size=BATCH, delay_seconds=0, num_retries=0)
        # The only URL hook in arxiv 4.x (pinned <5): a class attribute, overridden per instance.
        self.client.query_url_format = settings.arxiv_url + "?{}"
        session = self.client._session
        plain_request = session.request
        user_agent = settings.user_agent

        def request(method, url, **kwargs):
            kwargs["headers"] = {**(kwargs.get("headers") or {}), "user-agent": user_agent}
            kwargs.setdefault("timeout", settings.timeout)
            return plain_request(method, url, **kwargs)

        session.request = request
        session.hooks["response"].append(self._on_response)
        self._bodies: list[str] = []
        self._one_at_a_time = threading.Lock()

    # -- what the resolver calls ----------------------------------------------------

    def fetch_ids(self, ids: list[str]) -> tuple[dict[str, WorkRecord], dict[str, str]]:
        """Records for version-less ids, in batches of at most 100; failures with reasons.

        Ids missing from an answer are asked once more (arXiv sometimes drops
        entries); still missing, they are failures to retry on a later sync.
        """
        found: dict[str, WorkRecord] = {}
        failures: dict[str, str] = {}
        pending = list(dict.fromkeys(ids))
        for _ in range(2):
            missing: list[str] = []
            for batch in batched(pending, BATCH):
                try:
                    records = self._search(arxiv.Search(id_list=batch, max_results=len(batch)))
                except SourceFailure as exc:
                    failures.update({i: f"arXiv: {exc}" for i in batch})
                    continue
                for record in records:
                    if record.arxiv_id in batch:
                        found[record.arxiv_id] = record
                missing += [i for i in batch if i not in found]
            pending = missing
            if not pending:
                break
        for arxiv_id in pending:
            failures.setdefault(arxiv_id, "arXiv returned no record for this id")
        return found, failures

    def search_titles(self, titles: list[str]) -> dict[str, list[WorkRecord] | SourceFailure]:
        """Candidates for each title, asking for up to twenty titles in one request.

        The phrases are OR'ed (`ti:"a b" OR ti:"c d"`); every record of the
        answer is a candidate for every title of the group, and matching
        decides which (if any) is whose. One request instead of twenty matters
        at arXiv's one request every three seconds.
        """
        answers: dict[str, list[WorkRecord] | SourceFailure] = {}
        phrases = {t: " ".join(re.findall(r"[A-Za-z0-9]+", to_ascii(t))) for t in titles}
        searchable = [t for t in dict.fromkeys(titles) if phrases[t]]
        answers.update({t: [] for t in titles if not phrases[t]})
        for group in batched(searchable, TITLES_PER_REQUEST):
            query = " OR ".join(f'ti:"{phrases[t]}"' for t in group)
            try:
                records = self._search(arxiv.Search(query=query,
                                                    max_results=SEARCH_ROWS * len(group)))
            except SourceFailure as exc:
                answers.update({t: exc for t in group})
                continue
            answers.update({t: records for t in group})
        return answers

    # -- plumbing -------------------------------------------------------------------

    def _search(self, search: arxiv.Search) -> list[WorkRecord]:
        with self._one_at_a_time:  # arXiv allows a single connection; the client is not shared
            return self._search_now(search)

    def _search_now(self, search: arxiv.Search) -> list[WorkRecord]:
        def attempt() -> list[WorkRecord]:
            self.client.page_size = search.max_results or BATCH
            self._bodies = []
            results = list(self.client.results(search))
            for body in self._bodies:
                _check_feed(body)
            return [to_record(r) for r in results]

        return with_retries(attempt, _classify, self.settings.retries, self.settings.backoff,
                            self.throttle)

    def _on_response(self, response: requests.Response, *args, **kwargs) -> None:
        self.requests += 1
        self._bodies.append(response.text)
        if self.recorder:
            elapsed = int(response.elapsed.total_seconds() * 1000)
            self.recorder(self.service, response.url, response.status_code,
                          dict(response.headers), response.text, elapsed)



def _check_feed(body: str) -> None:
    """Raise _BadFeed when an answer is not a whole Atom feed, or is an arXiv error entry."""
    try:
        root = etree.fromstring(body.encode("utf-8"), parser=_SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise _BadFeed(f"answer is not a complete Atom feed ({exc})") from None
    if root.tag != "{http://www.w3.org/2005/Atom}feed":
        raise _BadFeed("answer is not an Atom feed")
    if "arxiv.org/api/errors#" in body:
        match = _ERROR_SUMMARY.search(body)
        raise _BadFeed(f"arXiv error: {match.group(1) if match else 'unknown'}")


def _classify(exc: Exception) -> Transient | None:
    if isinstance(exc, arxiv.HTTPError):
        if exc.status == 429 or exc.status >= 500:
            return Transient(f"HTTP {exc.status}")
        return None
    if isinstance(exc, (requests.Timeout, requests.ConnectionError)):
        return Transient(type(exc).__name__)
    if isinstance(exc, (_BadFeed, arxiv.UnexpectedEmptyPageError, ValueError,
                        requests.exceptions.ChunkedEncodingError)):
        return Transient(str(exc) or type(exc).__name__)
    return None


def to_record(result: arxiv.Result) -> WorkRecord:
    """An arXiv result as a preprint record (the published version may replace most of it)."""
    arxiv_id = normalize_arxiv_id(result.entry_id) or result.get_short_id()
    published = result.published
    return WorkRecord(
        title=" ".join(result.title.split()),
        authors=[parse_name(a.name) for a in result.authors],
        arxiv_id=arxiv_id,
        year=published.year if published else None,
        month=published.month if published else None,
        type="preprint",
        url=f"https://arxiv.org/abs/{arxiv_id}",
        abstract=" ".join((result.summary or "").split()) or None,
        arxiv_title=" ".join(result.title.split()),
        arxiv_year=published.year if published else None,
        primary_class=result.primary_category,
        journal_ref=result.journal_ref,
        arxiv_doi=publication_doi(result.doi),
        venue_source="arxiv",
    )

