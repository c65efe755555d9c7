"""The Crossref REST API through `habanero`: DOI batches and bibliographic searches.

habanero builds the requests (filters, field queries, select) and maps
errors, but it never retries, never reads the rate-limit headers and hands
back only parsed JSON. This module paces and retries, and sees every raw
answer through a thin wrapper around the HTTP module habanero calls.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from types import ModuleType
from typing import Any
from urllib.parse import quote

import habanero
import httpx2

from rsbib import __version__
from rsbib.metadata.abstracts import from_jats
from rsbib.metadata.identifiers import publication_doi
from rsbib.metadata.records import Author, WorkRecord
from rsbib.settings import Settings
from rsbib.sources.base import (
    Answers,
    BadAnswer,
    Kind,
    Lookup,
    NotFound,
    SourceFailure,
    Transient,
    Unexpected,
    Unreachable,
)
from rsbib.sources.polite import (
    Circuit,
    Recorder,
    Slots,
    Throttle,
    batched,
    by_status,
    causes,
    describe,
    retry_after_seconds,
    why_unreachable,
    with_retries,
)

# The pooled-client patch below was written for habanero 2.9 (pinned >=2.9.2,<2.10 in
# pyproject.toml); tests/test_sources.py::test_habanero_requests_go_through_the_pooled_client
# fails loudly when a release stops calling the module-level `httpx2.get` this relies on.
BATCH = 50
SEARCH_ROWS = 5
TYPES = {
    "journal-article": "journal-article",
    "proceedings-article": "proceedings-article",
    "book-chapter": "proceedings-article",
    "posted-content": "preprint",
}


class _RecordingHTTP:
    """Stands in for the `httpx2` module inside habanero: same calls, answers observed.

    habanero calls the module-level `httpx2.get`, which builds a new client (and
    TLS context) and a new connection for every request: about 20 ms of CPU
    each. Here one client with a connection pool serves them all.
    """

    def __init__(self, module: ModuleType):
        self._module = module
        self._client: httpx2.Client | None = None
        self._lock = threading.Lock()
        self.local = threading.local()
        self.pooled = 0  # requests sent through the pooled client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    def get(self, url: str, **kwargs: Any) -> httpx2.Response:
        with self._lock:
            if self._client is None:
                self._client = self._module.Client(limits=self._module.Limits(
                    max_connections=10, max_keepalive_connections=10))
            self.pooled += 1
        observer = getattr(self.local, "observer", None)
        started = time.monotonic()
        response = self._client.get(url, **kwargs)
        if observer is not None:
            observer(response, int((time.monotonic() - started) * 1000))
        return response


_HABANERO_HTTP_MODULES = ("habanero.request", "habanero.request_class")


def _install_recording_http() -> _RecordingHTTP:
    """Route habanero's two request paths (by id, by query) through one recording wrapper.

    Both modules call the module-level `httpx2.get`; `habanero.request` as an
    attribute is shadowed by a function, so the modules are fetched by name.
    """
    modules: list[Any] = [importlib.import_module(name) for name in _HABANERO_HTTP_MODULES]
    found = [m.httpx2 for m in modules]
    proxy = next((p for p in found if isinstance(p, _RecordingHTTP)), None) or _RecordingHTTP(httpx2)
    for module in modules:
        module.httpx2 = proxy
    return proxy


class CrossrefSource:
    """Crossref: versions of record by DOI (50 to a request) and by bibliographic search."""

    name = "crossref"
    label = "Crossref"
    kind: Kind = "record"
    id_kind: str | None = "doi"

    def __init__(self, settings: Settings, recorder: Recorder | None = None,
                 on_unreachable: Callable[[str, str], None] | None = None):
        self.settings = settings
        self.url = settings.crossref_url
        self.recorder = recorder
        self.requests = 0
        self.failures = 0
        self._count_lock = threading.Lock()
        self.throttle = Throttle(1.0 / max(settings.crossref_rate, 0.01))
        self.slots = Slots(settings.crossref_concurrency)
        self.circuit = Circuit(self.name, on_open=on_unreachable)
        self.client = habanero.Crossref(base_url=settings.crossref_url, mailto=settings.mailto,
                                        ua_string=f"rsbib/{__version__}", timeout=settings.timeout)
        self.http = _install_recording_http()

    @property
    def pacing(self) -> str:
        interval = self.throttle.interval
        rate = f"{1 / interval:g} a second" if interval > 0 else "no rate limit"
        return f"{rate}, {self.slots.limit} at once"

    # -- what the resolver calls ----------------------------------------------------

    def lookup(self, ids: Sequence[str]) -> Lookup:
        """Records for DOIs, up to 50 per request (`filter=doi:A,doi:B`), a typed failure for the rest.

        A DOI missing from a batch answer is asked alone, so that a 404 (Crossref
        does not hold it) is told apart from a bad day.
        """
        answer = Lookup()
        wanted = list(dict.fromkeys(d.lower() for d in ids))
        batchable = [d for d in wanted if "," not in d]
        for batch in batched(batchable, BATCH):
            try:
                found = self._call(partial(self.client.works, filter={"doi": list(batch)},
                                           limit=len(batch)))
            except NotFound:
                continue  # asked one by one below
            except SourceFailure as failure:  # a bad day: do not hammer DOI by DOI
                answer.failures.update({d: failure for d in batch})
                continue
            for item in found["message"].get("items", []):
                record = to_record(item)
                if record.doi and record.doi in batch:
                    answer.found[record.doi] = record
        for doi in wanted:
            if doi in answer.found or doi in answer.failures:
                continue
            try:
                single = self._call(partial(self.client.works, ids=quote(doi, safe="/")))
            except NotFound:
                answer.failures[doi] = NotFound("Crossref has no record of this DOI (HTTP 404)")
                continue
            except SourceFailure as failure:
                answer.failures[doi] = failure
                continue
            record = to_record(single["message"])
            answer.found[doi] = record.with_changes(doi=doi) if record.doi != doi else record
        return answer

    def search(self, texts: Sequence[str]) -> Answers:
        """Candidates for each text, one bibliographic search each, as many at once as allowed."""
        todo = list(dict.fromkeys(texts))
        if not todo:
            return {}
        with ThreadPoolExecutor(max_workers=max(1, self.settings.crossref_concurrency)) as pool:
            return dict(zip(todo, pool.map(self._search_or_failure, todo)))

    def search_text(self, text: str, rows: int = SEARCH_ROWS) -> list[tuple[WorkRecord, float]]:
        """Best `rows` records for a bibliographic query, with Crossref's relevance scores."""
        answer = self._call(lambda: self.client.works(query_bibliographic=text, limit=rows))
        return [(to_record(item), float(item.get("score") or 0.0))
                for item in answer["message"].get("items", [])]

    # -- plumbing -------------------------------------------------------------------

    def _search_or_failure(self, text: str) -> list[WorkRecord] | SourceFailure:
        try:
            return [record for record, _ in self.search_text(text)]
        except SourceFailure as failure:
            return failure

    def _call(self, request: Callable[[], Any]) -> Any:
        def attempt() -> Any:
            with self.slots:
                self.http.local.observer = self._on_response
                try:
                    return request()
                finally:
                    self.http.local.observer = None

        try:
            return with_retries(attempt, _classify, self.settings.retries, self.settings.backoff,
                                self.throttle, self.circuit)
        except SourceFailure as failure:
            if not isinstance(failure, NotFound):
                with self._count_lock:
                    self.failures += 1
            raise

    def _on_response(self, response: httpx2.Response, elapsed_ms: int) -> None:
        with self._count_lock:
            self.requests += 1
        self._obey_rate_headers(response.headers)
        if self.recorder:
            self.recorder(self.name, str(response.url), response.status_code,
                          dict(response.headers), response.text, elapsed_ms)

    def _obey_rate_headers(self, headers: httpx2.Headers) -> None:
        """Slow down to what x-rate-limit-* and x-concurrency-limit allow (never speed up)."""
        concurrency = headers.get("x-concurrency-limit", "")
        if concurrency.isdigit():
            self.slots.lower(int(concurrency))
        try:
            limit = float(headers.get("x-rate-limit-limit", ""))
            interval = float(headers.get("x-rate-limit-interval", "").rstrip("s"))
        except ValueError:
            return
        if limit > 0:
            self.throttle.interval = max(self.throttle.interval, interval / limit)


def _classify(exc: Exception) -> SourceFailure:
    """The typed failure behind what habanero raised: by HTTP status and exception type only.

    habanero wraps httpx2's errors (RequestError, RuntimeError), so the chain
    of causes is read for the status and the Retry-After of the answer.
    """
    chain = list(causes(exc))
    for cause in chain:
        if isinstance(cause, httpx2.HTTPStatusError):
            status = cause.response.status_code
            return by_status(status, f"HTTP {status}",
                             retry_after_seconds(cause.response.headers.get("retry-after")))
    for cause in chain:
        if isinstance(cause, habanero.RequestError):
            status = cause.status_code
            if status == 200:  # a 200 whose body is not JSON: a broken answer, try again
                return BadAnswer("answer is not JSON")
            return by_status(int(status), f"HTTP {status}")
    for cause in chain:
        if isinstance(cause, httpx2.ConnectError):
            return Unreachable(why_unreachable(cause))
        if isinstance(cause, (httpx2.TimeoutException, httpx2.TransportError)):
            return Transient(describe(cause))
        if isinstance(cause, ValueError):  # a body that does not parse as JSON
            return BadAnswer(describe(cause))
    if isinstance(exc, RuntimeError):  # "An unknown problem occurred with an HTTP request"
        return Transient(describe(exc))
    return Unexpected(describe(exc))


def _year_month(item: dict[str, Any]) -> tuple[int | None, int | None]:
    for key in ("issued", "published-print", "published-online", "published", "created"):
        parts = (item.get(key) or {}).get("date-parts") or [[None]]
        if parts and parts[0] and parts[0][0]:
            first = parts[0]
            return int(first[0]), (int(first[1]) if len(first) > 1 and first[1] else None)
    return None, None


def to_record(item: dict[str, Any]) -> WorkRecord:
    """A Crossref work as a version-of-record; tolerant of missing fields."""
    year, month = _year_month(item)
    authors = []
    for person in item.get("author") or []:
        if person.get("family"):
            authors.append(Author(person["family"].strip(), (person.get("given") or "").strip()))
        elif person.get("name"):
            authors.append(Author(person["name"].strip()))
    titles = item.get("title") or [""]
    containers = item.get("container-title") or [None]
    doi = publication_doi(item.get("DOI"))
    return WorkRecord(
        title=" ".join((titles[0] or "").split()),
        authors=authors,
        doi=doi,
        year=year,
        month=month,
        venue=" ".join(containers[0].split()) if containers[0] else None,
        type=TYPES.get(item.get("type") or "", "misc"),
        volume=item.get("volume"),
        issue=item.get("issue") or item.get("journal-issue", {}).get("issue"),
        pages=item.get("page"),
        publisher=item.get("publisher"),
        url=f"https://doi.org/{doi}" if doi else item.get("URL"),
        abstract=from_jats(item.get("abstract")),
        venue_source="crossref",
    )
