"""A local HTTP stand-in for the arXiv API and the Crossref REST API.

It answers on 127.0.0.1 in the services' real formats from a Corpus, counts
requests per service, can add latency, and can inject faults. rsbib is
pointed at it only through RSBIB_ARXIV_URL and RSBIB_CROSSREF_URL.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from . import dblp, formats
from .corpus import Corpus
from .rules import Gate, Rules

_ID_OK = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")


@dataclass
class Fault:
    """One injected misbehaviour, applied to the next `times` matching requests.

    kind: status (answer `status` with `headers` and `body`), slow (sleep `seconds` first),
    drop (close the connection without answering), truncate (cut the body in
    half), malformed (200 with a body that is not the format), empty (arXiv: an
    empty feed; DBLP: an empty body), error-entry (arXiv: 200 with an error entry), entities (arXiv:
    a feed that defines nested XML entities, the "billion laughs").
    """

    service: str  # arxiv | crossref | dblp
    kind: str
    times: int = 1
    every: int = 1  # applies to every `every`-th matching request only (3: the 3rd, 6th, ...)
    status: int = 503
    headers: dict = field(default_factory=dict)
    seconds: float = 0.0
    path_contains: str | None = None
    body: str | None = None  # status: the body to send (JSON when it starts with "{")


@dataclass
class Hit:
    service: str
    path: str
    headers: dict
    at: float


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", text)


class StandIn:
    """Start with `with StandIn() as s:`; `s.env` holds the two base URLs."""

    def __init__(self, corpus: Corpus | None = None, latency: float = 0.0,
                 port: int = 0, host: str = "127.0.0.1", rate_limit: float = 10,
                 rules: Rules | None = None):
        self.corpus = corpus or Corpus.from_snapshot()
        self.latency = latency
        self.rate_limit = rate_limit  # announced to clients when no rules are enforced
        self.rules = rules
        self.gate = Gate(rules) if rules else None
        self._matched: Counter = Counter()  # requests each fault has seen (for `every`)
        self.in_flight = Counter()  # requests being answered now, per service
        self.most_in_flight = Counter()  # the most at once since the last reset
        self._index: dict[str, tuple] = {}
        self.faults: list[Fault] = []
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"standin": self})
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def env(self) -> dict[str, str]:
        return {"RSBIB_ARXIV_URL": f"{self.url}/api/query",
                "RSBIB_CROSSREF_URL": self.url,
                "RSBIB_DBLP_URL": f"{self.url}/search/publ/api",
                "RSBIB_ARXIV_DELAY": "0", "RSBIB_DBLP_DELAY": "0"}

    def counts(self) -> Counter:
        with self.lock:
            return Counter(h.service for h in self.hits)

    def reset(self) -> None:
        with self.lock:
            self.hits.clear()
            self.faults.clear()
            self.most_in_flight.clear()
            self._matched.clear()
        if self.gate:
            self.gate.clear()

    @property
    def violations(self) -> Counter:
        """Requests refused for breaking the rules, per service."""
        return self.gate.violations if self.gate else Counter()

    @staticmethod
    def kind_of(service: str, path: str) -> str:
        """The kind of request, as ALLOWED names them: Crossref's single records vs lists."""
        if service == "crossref":
            return "single" if urlsplit(path).path.rstrip("/").startswith("/works/") else "list"
        return "query" if service == "arxiv" else "search"

    @staticmethod
    def table_of(service: str, polite: bool) -> str:
        return "crossref-public" if service == "crossref" and not polite else service

    def _words_index(self, name: str, records: dict) -> dict[str, set]:
        """word -> keys of records whose title holds it; rebuilt when records come or go.

        (A record replaced under the same key keeps its old words here; candidates
        are always scored on their current title.)
        """
        stamp = (id(records), len(records))
        cached = self._index.get(name)
        if cached is None or cached[0] != stamp:
            index: dict[str, set] = {}
            for key, record in records.items():
                for word in set(_words(record.title)):
                    index.setdefault(word, set()).add(key)
            cached = self._index[name] = (stamp, index)
        return cached[1]

    def inject(self, *faults: Fault) -> None:
        with self.lock:
            self.faults.extend(faults)

    def start(self) -> StandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _take_fault(self, service: str, path: str) -> Fault | None:
        with self.lock:
            for index, fault in enumerate(self.faults):
                if fault.service == service and fault.times > 0 and (
                        fault.path_contains is None or fault.path_contains in unquote(path)):
                    self._matched[index] += 1
                    if self._matched[index] % max(1, fault.every):
                        continue
                    fault.times -= 1
                    return fault
        return None

    # -- arXiv ------------------------------------------------------------------

    def arxiv_answer(self, params: dict[str, str]) -> tuple[int, str]:
        id_list = [i for i in params.get("id_list", "").split(",") if i]
        query = params.get("search_query", "")
        start = int(params.get("start", 0) or 0)
        per_page = int(params.get("max_results", 10) or 10)
        echo = f"search_query={query}&id_list={','.join(id_list)}&start={start}&max_results={per_page}"
        for raw in id_list:
            if not _ID_OK.match(raw):
                return 400, formats.atom_error(f"incorrect id format for {raw}",
                                               f"incorrect_id_format_for_{raw}")
        if id_list:
            found = [self.corpus.arxiv[i.split("v")[0] if "/" not in i else re.sub(r"v\d+$", "", i)]
                     for i in id_list
                     if (i.split("v")[0] if "/" not in i else re.sub(r"v\d+$", "", i))
                     in self.corpus.arxiv]
        else:
            found = self.arxiv_search(query)
        page = found[start:start + per_page]
        return 200, formats.atom_feed(echo, page, len(found), start, per_page)

    def arxiv_search(self, query: str) -> list:
        """Clauses joined by OR; a clause matches when all its words are in the title."""
        clauses = [c for c in re.split(r"\s+OR\s+", query) if c.strip()]
        scored = {}
        index = self._words_index("arxiv", self.corpus.arxiv)
        for clause in clauses:
            words = set(_words(re.sub(r"\b(ti|all|abs|au):", " ", clause)))
            words -= {"and", "andnot"}
            if not words:
                continue
            keys = set.intersection(*(index.get(w, set()) for w in words))
            for paper in (self.corpus.arxiv[k] for k in keys):
                title = set(_words(paper.title))
                if words <= title:
                    score = len(words) / len(title | words)
                    scored[paper.arxiv_id] = max(score, scored.get(paper.arxiv_id, 0))
        ranked = sorted(scored, key=lambda i: -scored[i])
        return [self.corpus.arxiv[i] for i in ranked]

    # -- DBLP ---------------------------------------------------------------------

    def dblp_answer(self, params: dict[str, str]) -> tuple[int, str]:
        query = params.get("q", "")
        first = int(params.get("f", 0) or 0)
        size = min(int(params.get("h", 30) or 30), 1000)
        return 200, dblp.answer(query, dblp.search(self.corpus.dblp, query), first, size)

    # -- Crossref -----------------------------------------------------------------

    def crossref_answer(self, path: str, params: dict[str, str]) -> tuple[int, str, str]:
        if path.startswith("/works/"):
            doi = unquote(path[len("/works/"):]).lower()
            work = self.corpus.crossref.get(doi)
            if work is None:
                return 404, "Resource not found.", "text/plain"
            return 200, formats.crossref_work(work), "application/json"
        if path.rstrip("/") != "/works":
            return 404, "Resource not found.", "text/plain"
        rows = int(params.get("rows", 20) or 20)
        filters = [f.split(":", 1) for f in params.get("filter", "").split(",") if ":" in f]
        records = self.corpus.crossref
        dois = [v.lower() for k, v in filters if k == "doi"]
        terms = params.get("query.bibliographic") or params.get("query.title") or params.get("query")
        wanted = set(_words(terms)) if terms else set()
        if dois:
            works = [records[d] for d in dict.fromkeys(dois) if d in records]
        elif wanted:
            index = self._words_index("crossref", records)
            works = [records[k] for k in set().union(*(index.get(w, set()) for w in wanted))]
        else:
            works = list(records.values())
        for key, value in filters:
            if key == "type":
                works = [w for w in works if w.type == value]
            elif key == "from-pub-date":
                works = [w for w in works if w.year and w.year >= int(value[:4])]
            elif key == "until-pub-date":
                works = [w for w in works if w.year and w.year <= int(value[:4])]
        if wanted:
            # Relevance as the cosine of the two word sets, scaled to Crossref's usual range.
            scored = []
            for w in works:
                title = set(_words(w.title))
                overlap = len(wanted & title)
                if overlap:
                    scored.append((100.0 * overlap / (len(title) * len(wanted)) ** 0.5, w))
            scored.sort(key=lambda s: (-s[0], s[1].doi))  # ties in a fixed order
            items = [formats.crossref_item(w, round(s, 3)) for s, w in scored[:rows]]
            return 200, formats.crossref_list(items, len(scored), rows, terms), "application/json"
        items = [formats.crossref_item(w) for w in works[:rows]]
        return 200, formats.crossref_list(items, len(works), rows, None), "application/json"


class _Handler(BaseHTTPRequestHandler):
    standin: StandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        s = self.standin
        parts = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        service = ("arxiv" if parts.path.startswith("/api/query") else
                   "dblp" if parts.path.startswith("/search/publ/api") else "crossref")
        arrived = time.monotonic()
        with s.lock:
            s.hits.append(Hit(service, self.path, dict(self.headers), arrived))
        polite = "mailto:" in (self.headers.get("User-Agent") or "") or "mailto" in params
        self._table, self._kind = s.table_of(service, polite), s.kind_of(service, self.path)
        self._held: str | None = None
        if s.gate:
            refusal = s.gate.admit(service, self._table, self._kind, arrived)
            if refusal:  # DBLP's 429 comes with an empty document, arXiv's says "Rate exceeded."
                body = {"dblp": "", "arxiv": "Rate exceeded."}.get(service, "Rate limit exceeded")
                return self._send(refusal[0], body, "text/plain", refusal[1])
            self._held = service
        with s.lock:
            s.in_flight[service] += 1
            s.most_in_flight[service] = max(s.most_in_flight[service], s.in_flight[service])
        self._flying: str | None = service
        try:
            self._answer(s, service, parts, params)
        finally:
            self._release()

    def _release(self) -> None:
        """The request is answered: it no longer counts as in flight (before the body is sent,
        so a client that reads the answer and sends its next request is never counted twice)."""
        s = self.standin
        flying, self._flying = getattr(self, "_flying", None), None
        if flying is not None:
            with s.lock:
                s.in_flight[flying] -= 1
        held, self._held = self._held, None
        if held is not None and s.gate:
            s.gate.release(held)

    def _answer(self, s: StandIn, service: str, parts, params: dict) -> None:
        if s.latency:
            time.sleep(s.latency)
        fault = s._take_fault(service, self.path)
        if fault and fault.kind == "slow":
            time.sleep(fault.seconds)
            fault = None
        if fault and fault.kind == "drop":
            self.close_connection = True
            self.connection.close()
            return
        if fault and fault.kind == "status":
            # Crossref's JSON error shape (a list of messages); arXiv answers in plain text.
            body = fault.body if fault.body is not None or service == "dblp" else (
                '{"status":"failed","message-type":"exception","message":'
                '[{"type":"exception","message":"injected fault"}]}'
                if service == "crossref" and fault.status >= 500 else "Service unavailable")
            ctype = "application/json" if (body or "").startswith("{") else "text/plain"
            return self._send(fault.status, body or "", ctype, fault.headers)
        if service == "arxiv":
            status, body = s.arxiv_answer(params)
            ctype = "application/atom+xml; charset=UTF-8"
            if fault and fault.kind == "empty":
                body = formats.atom_feed("", [], 0, 0, 0)
            elif fault and fault.kind == "error-entry":
                body = formats.atom_error("internal error, please retry", "internal_error")
            elif fault and fault.kind == "entities":
                body = formats.entity_bomb(body)
        elif service == "dblp":
            status, body = s.dblp_answer(params)
            ctype = "application/json"
            if fault and fault.kind == "empty":
                body = ""
        else:
            status, body, ctype = s.crossref_answer(parts.path, params)
        if fault and fault.kind == "truncate":
            body = body[: len(body) // 2]
        elif fault and fault.kind == "malformed":
            body = "<html><body>Service Temporarily Unavailable</body></html>"
            ctype = "application/json" if service == "crossref" else "text/html"
        headers = {}
        if service == "crossref":
            polite = self._table == "crossref"
            headers = (s.gate.announced(self._table, self._kind) if s.gate else
                       {"x-rate-limit-limit": str(s.rate_limit if polite else max(1, s.rate_limit // 2)),
                        "x-rate-limit-interval": "1s", "x-concurrency-limit": "5" if polite else "1"})
            headers["x-api-pool"] = "polite" if polite else "public"
        self._send(status, body, ctype, headers)

    def _send(self, status: int, body: str, ctype: str, headers: dict) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.end_headers()
        self._release()
        self.wfile.write(data)
