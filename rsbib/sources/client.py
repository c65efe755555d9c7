"""The base the three API clients share: address, recorder, counts, pace per kind, slots, circuit.

A client says what its service allows (base.ALLOWED, per kind of request)
and how to send one request; this base paces each kind on its own throttle,
keeps at most the allowed number in flight, counts requests and failures,
hands every raw answer to the recorder, and slows down for the rest of the
run when the service asks it to (a 429, or rate headers lower than the
pace), saying so once on stderr (a warning of the `rsbib.sources` logger).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from rsbib.settings import Settings
from rsbib.sources.base import ALLOWED, Allowance, NotFound, RateLimited, SourceFailure
from rsbib.sources.polite import Circuit, Recorder, Slots, Throttle, with_retries

T = TypeVar("T")
log = logging.getLogger("rsbib.sources")

SLOWER = 1.5  # each 429 stretches the pace of its kind by this much, for the rest of the run
SLOWEST = 8.0  # but never past this many times the allowed interval
FLOOR = 0.05  # s: the least interval a slowed-down kind keeps (a stand-in allows 0)
MARGIN = 0.02  # requests leave 2% more room than allowed: arrival jitter must not cost a 429


def allowed_by(service: str, settings: Settings) -> dict[str, Allowance]:
    """What `service` allows (ALLOWED), with the settings' overrides and scale applied.

    Crossref's polite pool is the user's when a mailto is given, else the public pool.
    """
    key = "crossref-public" if service == "crossref" and not settings.mailto else service
    override = {"arxiv": settings.arxiv_delay, "dblp": settings.dblp_delay,
                "crossref": (1 / settings.crossref_rate if settings.crossref_rate else None)
                }.get(service)
    scale = max(settings.pace_scale, 0.0)
    return {kind: Allowance(override if override is not None else a.interval * scale, a.at_once)
            for kind, a in ALLOWED[key].items()}


class ServiceClient:
    """Shared plumbing of one service's client; subclasses set `name`, `label` and send requests."""

    name = "service"
    label = "service"

    def __init__(self, url: str, allowed: dict[str, Allowance], retries: int, backoff: float,
                 recorder: Recorder | None = None,
                 on_unreachable: Callable[[str, str], None] | None = None):
        self.url = url
        self.recorder = recorder
        self.retries = retries
        self.backoff = backoff
        self.requests = 0
        self.failures = 0
        self.rate_limited = 0  # answers of 429 (or 503 + Retry-After) this run
        self._allowed = dict(allowed)
        self.throttles = {kind: Throttle(a.interval * (1 + MARGIN)) for kind, a in allowed.items()}
        self.slots = Slots(max(a.at_once for a in allowed.values()))
        self.circuit = Circuit(self.name, on_open=on_unreachable)
        self._lock = threading.Lock()
        self._said_slow = False

    # -- what the service allows --------------------------------------------------

    def allowed(self) -> dict[str, Allowance]:
        """The pace each kind keeps now, and how many requests may be in flight."""
        return {kind: Allowance(t.interval, self.slots.limit) for kind, t in self.throttles.items()}

    @property
    def pacing(self) -> str:
        parts = []
        for kind, allowance in self.allowed().items():
            if allowance.interval <= 0:
                parts.append(f"{kind}: no rate limit")
            elif allowance.interval >= 1:
                parts.append(f"{kind}: one request every {allowance.interval:g} s")
            else:
                parts.append(f"{kind}: {allowance.rate:g} a second")
        return f"{', '.join(parts)}, {self.slots.limit} at once"

    def obey(self, kind: str, limit: float | None = None, interval: float | None = None,
             at_once: int | None = None) -> None:
        """Slow down to what an answer announced for its kind (never faster than allowed)."""
        if at_once is not None and at_once > 0:
            self.slots.lower(at_once)
        if limit and limit > 0 and interval is not None and kind in self.throttles:
            throttle = self.throttles[kind]
            throttle.interval = max(throttle.interval, interval / limit * (1 + MARGIN))

    def slow_down(self, kind: str, failure: RateLimited) -> None:
        """The service said too fast: stretch this kind's pace for the rest of the run, say so once."""
        with self._lock:
            self.rate_limited += 1
            throttle = self.throttles.get(kind)
            if throttle is not None:
                start = self._allowed[kind].interval * (1 + MARGIN)
                stretched = max(throttle.interval * SLOWER, FLOOR)
                throttle.interval = min(stretched, max(start * SLOWEST, FLOOR))
            first, self._said_slow = not self._said_slow, True
        if first:
            wait = f" (Retry-After {failure.retry_after:g} s)" if failure.retry_after is not None else ""
            log.warning("%s asked rsbib to slow down%s: its requests go slower for the rest of this run",
                        self.label, wait)

    # -- sending ------------------------------------------------------------------

    def counted(self, url: str, status: int, headers: dict[str, str], body: str,
                elapsed_ms: int) -> None:
        """One answer came back: count it and hand it to the recorder."""
        with self._lock:
            self.requests += 1
        if self.recorder:
            self.recorder(self.name, url, status, headers, body, elapsed_ms)

    def call(self, kind: str, attempt: Callable[[], T],
             classify: Callable[[Exception], SourceFailure]) -> T:
        """`attempt` at the pace of `kind`, within the slots, retried as polite.with_retries does.

        A failure given up on is counted (a 404 is an answer, not a failure).
        """
        throttle = self.throttles[kind]

        def slotted() -> T:
            with self.slots:  # a slot first, then the turn: the request goes out at its turn
                throttle.wait()
                return attempt()

        def typed(exc: Exception) -> SourceFailure:
            failure = classify(exc)
            if isinstance(failure, RateLimited):
                self.slow_down(kind, failure)
            return failure

        try:
            return with_retries(slotted, typed, self.retries, self.backoff, throttle,
                                self.circuit, paced_inside=True)
        except SourceFailure as failure:
            if not isinstance(failure, NotFound):
                with self._lock:
                    self.failures += 1
            raise
