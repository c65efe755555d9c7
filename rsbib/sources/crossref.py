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
from urllib.parse import quote

import habanero
import httpx2

from .. import __version__
from ..identifiers import publication_doi
from ..records import Author, WorkRecord
from ..settings import Settings
from .polite import (
    Recorder, Slots, SourceFailure, Throttle, Transient, batched, describe, retry_after_seconds,
    with_retries,
)

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

    def __init__(self, module):
        self._module = module
        self._client = None
        self._lock = threading.Lock()
        self.local = threading.local()

    def __getattr__(self, name):
        return getattr(self._module, name)

    def get(self, url, **kwargs):
        with self._lock:
            if self._client is None:
                self._client = self._module.Client(limits=self._module.Limits(
                    max_connections=10, max_keepalive_connections=10))
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
    modules = [importlib.import_module(name) for name in _HABANERO_HTTP_MODULES]
    proxy = next((m.httpx2 for m in modules if isinstance(m.httpx2, _RecordingHTTP)), None)
    proxy = proxy or _RecordingHTTP(httpx2)
    for module in modules:
        module.httpx2 = proxy
    return proxy


class CrossrefSource:
    service = "crossref"

    def __init__(self, settings: Settings, recorder: Recorder | None = None):
        self.settings = settings
        self.recorder = recorder
        self.requests = 0
        self._count_lock = threading.Lock()
        self.throttle = Throttle(1.0 / max(settings.crossref_rate, 0.01))
        self.slots = Slots(settings.crossref_concurrency)
        self.client = habanero.Crossref(base_url=settings.crossref_url, mailto=settings.mailto,
                                        ua_string=f"rsbib/{__version__}", timeout=settings.timeout)
        self.http = _install_recording_http()

    # -- what the resolver calls ----------------------------------------------------

    def fetch_dois(self, dois: list[str]) -> tuple[dict[str, WorkRecord], dict[str, str]]:
        """Records for DOIs, up to 50 per request (`filter=doi:A,doi:B`), with failures.

        A DOI missing from a batch answer is asked alone, so that a 404 (Crossref
        does not hold it) is told apart from a bad day.
        """
        found: dict[str, WorkRecord] = {}
        failures: dict[str, str] = {}
        wanted = list(dict.fromkeys(d.lower() for d in dois))
        batchable = [d for d in wanted if "," not in d]
        for batch in batched(batchable, BATCH):
            try:
                answer = self._call(lambda b=batch: self.client.works(
                    filter={"doi": b}, limit=len(b)))
            except SourceFailure as exc:
                if "HTTP 404" not in str(exc):  # a bad day: do not hammer DOI by DOI
                    failures.update({d: f"Crossref: {exc}" for d in batch})
                continue
            for item in answer["message"].get("items", []):
                record = to_record(item)
                if record.doi in batch:
                    found[record.doi] = record
        for doi in wanted:
            if doi in found or doi in failures:
                continue
            try:
                answer = self._call(lambda d=doi: self.client.works(ids=quote(d, safe="/")))
                record = to_record(answer["message"])
                found[doi] = record.with_changes(doi=doi) if record.doi != doi else record
            except SourceFailure as exc:
                failures[doi] = f"Crossref: {exc}"
        return found, failures

    def search(self, text: str, rows: int = SEARCH_ROWS) -> list[tuple[WorkRecord, float]]:
        """Best `rows` records for a bibliographic query, with Crossref's relevance scores."""
        answer = self._call(lambda: self.client.works(query_bibliographic=text, limit=rows))
        return [(to_record(item), float(item.get("score") or 0.0))
                for item in answer["message"].get("items", [])]

    # -- plumbing -------------------------------------------------------------------

    def _call(self, request):
        def attempt():
            with self.slots:
                self.http.local.observer = self._on_response
                try:
                    return request()
                finally:
                    self.http.local.observer = None

        try:
            return with_retries(attempt, _classify, self.settings.retries, self.settings.backoff,
                                self.throttle)
        except SourceFailure as exc:
            if "404" in str(exc):
                raise SourceFailure("Crossref has no record of this DOI (HTTP 404)") from exc
            raise

    def _on_response(self, response: httpx2.Response, elapsed_ms: int) -> None:
        with self._count_lock:
            self.requests += 1
        self._obey_rate_headers(response.headers)
        if self.recorder:
            self.recorder(self.service, str(response.url), response.status_code,
                          dict(response.headers), response.text, elapsed_ms)

    def _obey_rate_headers(self, headers) -> None:
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


def _classify(exc: Exception) -> Transient | None:
    status = None
    retry_after = None
    if isinstance(exc, httpx2.HTTPStatusError):
        status = exc.response.status_code
        retry_after = retry_after_seconds(exc.response.headers.get("retry-after"))
    elif isinstance(exc, habanero.RequestError):
        status = getattr(exc, "status_code", None)
        if status == 200:  # a 200 whose body is not JSON: a broken answer, try again
            return Transient("answer is not JSON")
    if status is not None:
        if status == 429 or status >= 500:
            return Transient(f"HTTP {status}", retry_after)
        return None
    if isinstance(exc, (httpx2.TimeoutException, httpx2.TransportError, RuntimeError, ValueError)):
        return Transient(describe(exc))
    return None


def _year_month(item: dict) -> tuple[int | None, int | None]:
    for key in ("issued", "published-print", "published-online", "published", "created"):
        parts = (item.get(key) or {}).get("date-parts") or [[None]]
        if parts and parts[0] and parts[0][0]:
            first = parts[0]
            return int(first[0]), (int(first[1]) if len(first) > 1 and first[1] else None)
    return None, None


def to_record(item: dict) -> WorkRecord:
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
        venue_source="crossref",
    )
