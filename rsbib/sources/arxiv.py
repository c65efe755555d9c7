"""The arXiv API through the `arxiv` package: id batches and title searches.

The package has no timeout, no backoff, no way to set the URL or the
User-Agent, and it cannot tell "no such id" from "the server sent junk"
(both give zero results). This module adds those, and keeps the package's
own request building and feed parsing. The package (and `requests`, `lxml`)
is imported when the first request is about to be made, not with this module:
an offline sync makes the sources and never asks them.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from rsbib.metadata.authors import known_authors
from rsbib.metadata.identifiers import normalize_arxiv_id, publication_doi
from rsbib.metadata.names import parse_name
from rsbib.metadata.records import Author, WorkRecord
from rsbib.metadata.translit import to_ascii
from rsbib.settings import Settings
from rsbib.sources.base import Answers, BadAnswer, Kind, Lookup, SourceFailure, Transient, Unexpected, Unreachable
from rsbib.sources.client import ServiceClient, allowed_by
from rsbib.sources.polite import Recorder, batched, by_status, causes, describe, retry_after_seconds, why_unreachable

if TYPE_CHECKING:
    import arxiv
    import requests
    from lxml import etree

BATCH = 100
SEARCH_ROWS = 5  # results per title
TITLES_PER_REQUEST = 20  # OR'ed phrases; about 2 KB of URL
_ERROR_SUMMARY = re.compile(r"<summary>([^<]*)</summary>")


class QuietArxivWarnings(logging.Filter):
    """Drops the package's per-feed warnings (rsbib reports bad feeds itself) from a handler.

    Put on rsbib's own handler: the `arxiv` logger itself is left as it is, so
    a program that embeds rsbib still sees them if it wants.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name.split(".")[0] == "arxiv" and record.levelno < logging.ERROR)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time (click's test runner swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def quiet_log_handler() -> logging.Handler:
    """rsbib's stderr handler for warnings, once per process, without the arxiv package's noise."""
    root = logging.getLogger()
    for handler in root.handlers:
        if any(isinstance(f, QuietArxivWarnings) for f in handler.filters):
            return handler
    handler = _StderrHandler()
    handler.setLevel(logging.WARNING)
    handler.addFilter(QuietArxivWarnings())
    root.addHandler(handler)
    return handler


def author(name: str) -> Author:
    """One author of an arXiv record, from the whole name arXiv gives (particles kept)."""
    return parse_name(name)


class ArxivSource(ServiceClient):
    """arXiv: preprints by id (100 to a request) and by title (twenty titles to a request)."""

    name = "arxiv"
    label = "arXiv"
    kind: Kind = "preprint"
    id_kind: str | None = "arxiv"

    def __init__(self, settings: Settings, recorder: Recorder | None = None,
                 on_unreachable: Callable[[str, str], None] | None = None):
        super().__init__(settings.arxiv_url, allowed_by(self.name, settings), settings.retries,
                         settings.backoff, recorder, on_unreachable)
        self.settings = settings
        self._client: arxiv.Client | None = None
        self._making = threading.Lock()
        self._bodies: list[str] = []
        self._retry_after: float | None = None
        self._one_at_a_time = threading.Lock()

    @property
    def client(self) -> arxiv.Client:
        """The `arxiv` package's client, made (and the package imported) on first use."""
        with self._making:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _make_client(self) -> arxiv.Client:
        import arxiv

        settings = self.settings
        client = arxiv.Client(page_size=BATCH, delay_seconds=0, num_retries=0)
        # The only URL hook in arxiv 4.x (pinned <5): a class attribute, overridden per instance.
        client.query_url_format = settings.arxiv_url + "?{}"
        session = client._session
        plain_request = session.request
        user_agent = settings.user_agent

        def request(method: str, url: str, **kwargs: Any) -> requests.Response:
            kwargs["headers"] = {**(kwargs.get("headers") or {}), "user-agent": user_agent}
            kwargs.setdefault("timeout", settings.timeout)
            return plain_request(method, url, **kwargs)

        session.request = request
        session.hooks["response"].append(self._on_response)
        return client

    # -- what the resolver calls ----------------------------------------------------

    def lookup(self, ids: Sequence[str]) -> Lookup:
        """Records for ids, in batches of at most 100; a typed failure for the rest.

        An id asked with its version (2104.12255v1) gets its paper, stored under the id asked.

        Ids missing from an answer are asked once more (arXiv sometimes drops
        entries); still missing, they are bad answers to retry on a later sync
        (an id of the right form that arXiv lacks is far rarer than a dropped entry).
        """
        import arxiv

        answer = Lookup()
        pending = list(dict.fromkeys(ids))
        if pending:
            self.client  # noqa: B018 - made now, not inside the first request's turn
        for _ in range(2):
            missing: list[str] = []
            for batch in batched(pending, BATCH):
                try:
                    records = self._search(arxiv.Search(id_list=list(batch),
                                                        max_results=len(batch)))
                except SourceFailure as failure:
                    answer.failures.update({i: failure for i in batch})
                    continue
                # a record carries its version-less id; an id asked with its version
                # (2104.12255v1) is the same paper, not one missing from the answer
                by_id = {r.arxiv_id: r for r in records if r.arxiv_id}
                for asked in batch:
                    record = by_id.get(normalize_arxiv_id(asked) or asked)
                    if record is not None:
                        answer.found[asked] = record
                missing += [i for i in batch if i not in answer.found]
            pending = missing
            if not pending:
                break
        for arxiv_id in pending:
            answer.failures.setdefault(arxiv_id, BadAnswer("no record for this id in its answer"))
        return answer

    def search(self, texts: Sequence[str]) -> Answers:
        """Candidates for each title, asking for up to twenty titles in one request.

        The phrases are OR'ed (`ti:"a b" OR ti:"c d"`); every record of the
        answer is a candidate for every title of the group, and matching
        decides which (if any) is whose. One request instead of twenty matters
        at arXiv's one request every three seconds.
        """
        import arxiv

        answers: Answers = {}
        phrases = {t: " ".join(re.findall(r"[A-Za-z0-9]+", to_ascii(t))) for t in texts}
        searchable = [t for t in dict.fromkeys(texts) if phrases[t]]
        if searchable:
            self.client  # noqa: B018 - made now, not inside the first request's turn
        answers.update({t: [] for t in texts if not phrases[t]})
        for group in batched(searchable, TITLES_PER_REQUEST):
            query = " OR ".join(f'ti:"{phrases[t]}"' for t in group)
            try:
                records = self._search(arxiv.Search(query=query,
                                                    max_results=SEARCH_ROWS * len(group)))
            except SourceFailure as failure:
                answers.update({t: failure for t in group})
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

        return self.call("query", attempt, lambda exc: _classify(exc, self._retry_after))

    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._retry_after = retry_after_seconds(response.headers.get("retry-after"))
        self._bodies.append(response.text)
        self.counted(response.url, response.status_code, dict(response.headers), response.text,
                     int(response.elapsed.total_seconds() * 1000))



@cache
def _safe_parser() -> etree.XMLParser:
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _check_feed(body: str) -> None:
    """Raise BadAnswer when an answer is not a whole Atom feed, or is an arXiv error entry."""
    from lxml import etree

    try:
        root = etree.fromstring(body.encode("utf-8"), parser=_safe_parser())
    except etree.XMLSyntaxError as exc:
        raise BadAnswer(f"answer is not a complete Atom feed ({exc})") from None
    if root.tag != "{http://www.w3.org/2005/Atom}feed":
        raise BadAnswer("answer is not an Atom feed")
    if "arxiv.org/api/errors#" in body:
        match = _ERROR_SUMMARY.search(body)
        raise BadAnswer(f"arXiv error: {match.group(1) if match else 'unknown'}")


def _classify(exc: Exception, retry_after: float | None = None) -> SourceFailure:
    """The typed failure behind whatever the arxiv package or requests raised.

    `retry_after` is the last error answer's Retry-After (arxiv's HTTPError keeps no headers).
    """
    import arxiv
    import requests

    if isinstance(exc, SourceFailure):
        return exc
    if isinstance(exc, arxiv.HTTPError):
        return by_status(exc.status, f"HTTP {exc.status}", retry_after)
    if isinstance(exc, requests.ConnectionError) and _no_connection(exc):
        return Unreachable(why_unreachable(exc))
    if isinstance(exc, (requests.Timeout, requests.ConnectionError)):
        return Transient(type(exc).__name__)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return Transient(describe(exc))
    if isinstance(exc, (arxiv.UnexpectedEmptyPageError, ValueError)):
        return BadAnswer(describe(exc))
    return Unexpected(describe(exc))


def _no_connection(exc: BaseException) -> bool:
    """A connection that was never made (refused, unknown host, no route), not one dropped."""
    from urllib3.exceptions import NewConnectionError

    for cause in causes(exc):
        reason = getattr(cause, "reason", None)
        if isinstance(cause, NewConnectionError) or isinstance(reason, NewConnectionError):
            return True
        if any(isinstance(a, NewConnectionError) for a in getattr(cause, "args", ())):
            return True
    return False


def to_record(result: arxiv.Result) -> WorkRecord:
    """An arXiv result as a preprint record (the published version may replace most of it)."""
    arxiv_id = normalize_arxiv_id(result.entry_id) or result.get_short_id()
    published = result.published
    authors, incomplete = known_authors(author(a.name) for a in result.authors)
    return WorkRecord(
        title=" ".join(result.title.split()),
        authors=authors,
        authors_incomplete=incomplete,
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

