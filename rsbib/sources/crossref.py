"""The Crossref REST API through `habanero`: DOI batches and bibliographic searches.

habanero builds the requests (filters, field queries, select) and maps
errors, but it never retries, never reads the rate-limit headers and hands
back only parsed JSON. This module paces and retries, and sees every raw
answer through a thin wrapper around the HTTP module habanero calls.
habanero and httpx2 are imported when the first request is about to be made,
not with this module: an offline sync makes the sources and never asks them.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from rsbib import __version__
from rsbib.metadata.abstracts import from_jats
from rsbib.metadata.authors import known_authors
from rsbib.metadata.records import Author, WorkRecord
from rsbib.settings import Settings
from rsbib.sources import fields
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
from rsbib.sources.client import ServiceClient, allowed_by
from rsbib.sources.polite import Recorder, batched, by_status, causes, describe, retry_after_seconds, why_unreachable

if TYPE_CHECKING:
    import habanero
    import httpx2

# The pooled-client patch below was written for habanero 2.9 (pinned >=2.9.2,<2.10 in
# pyproject.toml); tests/test_sources.py::test_habanero_requests_go_through_the_pooled_client
# fails loudly when a release stops calling the module-level `httpx2.get` this relies on.
BATCH = 50
SEARCH_ROWS = 5
TYPES = {
    "journal-article": "journal-article",
    "proceedings-article": "proceedings-article",
    "book-chapter": "book-chapter",
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

    def ready(self) -> httpx2.Client:
        with self._lock:
            if self._client is None:
                self._client = self._module.Client(limits=self._module.Limits(
                    max_connections=10, max_keepalive_connections=10))
            return self._client

    def get(self, url: str, **kwargs: Any) -> httpx2.Response:
        client = self.ready()
        with self._lock:
            self.pooled += 1
        observer = getattr(self.local, "observer", None)
        started = time.monotonic()
        response = client.get(url, **kwargs)
        if observer is not None:
            observer(response, int((time.monotonic() - started) * 1000))
        return response


_HABANERO_HTTP_MODULES = ("habanero.request", "habanero.request_class")


def _install_recording_http() -> _RecordingHTTP:
    """Route habanero's two request paths (by id, by query) through one recording wrapper.

    Both modules call the module-level `httpx2.get`; `habanero.request` as an
    attribute is shadowed by a function, so the modules are fetched by name.
    """
    import httpx2

    modules: list[Any] = [importlib.import_module(name) for name in _HABANERO_HTTP_MODULES]
    found = [m.httpx2 for m in modules]
    proxy = next((p for p in found if isinstance(p, _RecordingHTTP)), None) or _RecordingHTTP(httpx2)
    for module in modules:
        module.httpx2 = proxy
    return proxy


class CrossrefSource(ServiceClient):
    """Crossref: versions of record by DOI (50 to a request) and by bibliographic search."""

    name = "crossref"
    label = "Crossref"
    kind: Kind = "record"
    id_kind: str | None = "doi"

    def __init__(self, settings: Settings, recorder: Recorder | None = None,
                 on_unreachable: Callable[[str, str], None] | None = None):
        super().__init__(settings.crossref_url, allowed_by(self.name, settings), settings.retries,
                         settings.backoff, recorder, on_unreachable)
        self.settings = settings
        self._made: tuple[habanero.Crossref, _RecordingHTTP] | None = None
        self._making = threading.Lock()

    def _ready(self) -> tuple[habanero.Crossref, _RecordingHTTP]:
        """habanero's client and the recording HTTP module under it, made on first use.

        Asked for before a request's turn (lookup, search_text), so that making the
        pooled client (and its TLS context) never delays a paced request.
        """
        with self._making:
            if self._made is None:
                import habanero

                settings = self.settings
                client = habanero.Crossref(base_url=settings.crossref_url, mailto=settings.mailto,
                                           ua_string=f"rsbib/{__version__}", timeout=settings.timeout)
                http = _install_recording_http()
                http.ready()
                self._made = client, http
            return self._made

    @property
    def client(self) -> habanero.Crossref:
        return self._ready()[0]

    @property
    def http(self) -> _RecordingHTTP:
        return self._ready()[1]

    # -- what the resolver calls ----------------------------------------------------

    def lookup(self, ids: Sequence[str]) -> Lookup:
        """Records for DOIs, up to 50 per request (`filter=doi:A,doi:B`), a typed failure for the rest.

        A DOI missing from a batch answer is asked alone, so that a 404 (Crossref
        does not hold it) is told apart from a bad day.
        """
        answer = Lookup()
        wanted = list(dict.fromkeys(d.lower() for d in ids))
        if wanted:
            self._ready()
        batchable = [d for d in wanted if "," not in d]
        for batch in batched(batchable, BATCH):
            try:
                found = works_of(self._call("list", partial(self.client.works, filter={"doi": list(batch)},
                                                            limit=len(batch))))
            except NotFound:
                continue  # asked one by one below
            except SourceFailure as failure:  # a bad day: do not hammer DOI by DOI
                answer.failures.update({d: failure for d in batch})
                continue
            for record in found:
                if record.doi and record.doi in batch:
                    answer.found[record.doi] = record
        for doi in wanted:
            if doi in answer.found or doi in answer.failures:
                continue
            try:
                single = self._call("single", partial(self.client.works, ids=quote(doi, safe="/")))
            except NotFound:
                answer.failures[doi] = NotFound("Crossref has no record of this DOI (HTTP 404)")
                continue
            except SourceFailure as failure:
                answer.failures[doi] = failure
                continue
            try:
                record = work_of(single)
            except BadAnswer as failure:
                answer.failures[doi] = failure
                continue
            answer.found[doi] = record.with_changes(doi=doi) if record.doi != doi else record
        return answer

    def search(self, texts: Sequence[str]) -> Answers:
        """Candidates for each text, one bibliographic search each, as many at once as allowed."""
        todo = list(dict.fromkeys(texts))
        if not todo:
            return {}
        with ThreadPoolExecutor(max_workers=self.slots.limit) as pool:
            return dict(zip(todo, pool.map(self._search_or_failure, todo)))

    def search_text(self, text: str, rows: int = SEARCH_ROWS) -> list[tuple[WorkRecord, float]]:
        """Best `rows` records for a bibliographic query, with Crossref's relevance scores."""
        self._ready()
        answer = self._call("list", lambda: self.client.works(query_bibliographic=text, limit=rows))
        return [(to_record(item), _score(item)) for item in _items(answer)]

    # -- plumbing -------------------------------------------------------------------

    def _search_or_failure(self, text: str) -> list[WorkRecord] | SourceFailure:
        try:
            return [record for record, _ in self.search_text(text)]
        except SourceFailure as failure:
            return failure

    def _call(self, kind: str, request: Callable[[], Any]) -> Any:
        """One request of `kind` ("single": /works/DOI; "list": filter= and query.*)."""
        def attempt() -> Any:
            self.http.local.observer = partial(self._on_response, kind)
            try:
                return request()
            finally:
                self.http.local.observer = None

        return self.call(kind, attempt, _classify)

    def _on_response(self, kind: str, response: httpx2.Response, elapsed_ms: int) -> None:
        self._obey_rate_headers(kind, response.headers)
        self.counted(str(response.url), response.status_code, dict(response.headers),
                     response.text, elapsed_ms)

    def _obey_rate_headers(self, kind: str, headers: httpx2.Headers) -> None:
        """Slow down to what x-rate-limit-* and x-concurrency-limit announce (never speed up)."""
        concurrency = headers.get("x-concurrency-limit", "").strip()
        limit = interval = None
        try:
            limit = float(headers.get("x-rate-limit-limit", ""))
            interval = float(headers.get("x-rate-limit-interval", "").strip().rstrip("s"))
        except ValueError:
            pass
        self.obey(kind, limit, interval, int(concurrency) if concurrency.isdigit() else None)


def _classify(exc: Exception) -> SourceFailure:
    """The typed failure behind what habanero raised: by HTTP status and exception type only.

    habanero wraps httpx2's errors (RequestError, RuntimeError), so the chain
    of causes is read for the status and the Retry-After of the answer.
    """
    import habanero
    import httpx2

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


def _message(answer: Any, kind: str) -> Any:
    """The `message` of an answer of `message-type` `kind`; BadAnswer for any other answer."""
    if not isinstance(answer, dict) or answer.get("status", "ok") != "ok":
        raise BadAnswer("answer is not a Crossref answer with status ok")
    if answer.get("message-type") != kind:
        raise BadAnswer(f"answer is a {answer.get('message-type') or 'message of no type'}, "
                        f"not a {kind}")
    message = answer.get("message")
    if not isinstance(message, dict):
        raise BadAnswer("answer has no message")
    return message


def _items(answer: Any) -> list[dict[str, Any]]:
    items = _message(answer, "work-list").get("items") or []
    return [item for item in items if isinstance(item, dict)]


def _score(item: dict[str, Any]) -> float:
    try:
        return float(item.get("score") or 0.0)
    except (TypeError, ValueError):
        return 0.0


def work_of(answer: Any) -> WorkRecord:
    """The record of a single-work answer (`/works/DOI`); BadAnswer when it is not one.

    An untitled record is returned as it is: the resolver refuses it with its reason."""
    return to_record(_message(answer, "work"))


def works_of(answer: Any) -> list[WorkRecord]:
    """The records of a list answer (`/works?filter=`, `query.*`); BadAnswer when it is not one."""
    return [to_record(item) for item in _items(answer)]


def _year_month(item: dict[str, Any]) -> tuple[int | None, int | None]:
    """Year and month of publication: `issued`, else the print or online date.

    Never `created` (the date the DOI was registered, often a year after the
    paper): a record whose dates are all empty (`issued: [[null]]`) has no year.
    """
    for key in ("issued", "published-print", "published-online", "published"):
        parts = (item.get(key) or {}).get("date-parts") or [[None]]
        first_part = parts[0] if parts and isinstance(parts[0], list) else [None]
        found = fields.year(first_part[0] if first_part else None)
        if found:
            month = first_part[1] if len(first_part) > 1 else None
            return found, (int(month) if isinstance(month, int) and 1 <= month <= 12 else None)
    return None, None


def _authors(item: dict[str, Any]) -> list[Author]:
    authors = []
    for person in item.get("author") or []:
        if not isinstance(person, dict):
            continue
        if person.get("family"):
            authors.append(Author(person["family"].strip(), (person.get("given") or "").strip()))
        elif person.get("name"):  # an organisation: its whole name, never split
            authors.append(Author(person["name"].strip()))
    return authors


def to_record(item: dict[str, Any]) -> WorkRecord:
    """A Crossref work as a version-of-record; tolerant of missing fields.

    Titles and venues lose their JATS/HTML/MathML markup; a journal that
    numbers its articles (`article-number`, no `page`) gives that number as pages.
    """
    year, month = _year_month(item)
    title = fields.text(item.get("title")) or ""
    doi = fields.doi(item.get("DOI"))
    authors, incomplete = known_authors(_authors(item))
    return WorkRecord(
        title=title,
        authors=authors,
        authors_incomplete=incomplete,
        doi=doi,
        year=year,
        month=month,
        venue=fields.text(item.get("container-title")),
        type=TYPES.get(str(item.get("type") or ""), "misc"),
        volume=fields.text(item.get("volume")),
        issue=fields.text(item.get("issue")) or fields.text((item.get("journal-issue") or {}).get("issue")),
        pages=fields.text(item.get("page")) or fields.text(item.get("article-number")),
        publisher=fields.text(item.get("publisher")),
        url=f"https://doi.org/{doi}" if doi else fields.text(item.get("URL")),
        abstract=from_jats(item.get("abstract")),
        venue_source="crossref",
    )
