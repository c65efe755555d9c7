"""The services' limits, enforced by the stand-in as the services enforce them.

The limits are rsbib's own table of what each service allows today
(rsbib/sources/base.py, ALLOWED), scaled for benchmarks: a client that sends
faster than that table, or more at once, gets what the real service sends,
429 with Retry-After, and the refusal is counted as a violation.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, deque
from dataclasses import dataclass, field

from rsbib.sources.base import ALLOWED, Allowance


@dataclass
class Rules:
    """Every (service, kind of request) at most `limit` starts in a window, `at_once` in flight.

    A kind allowed one request every `interval` seconds gets windows of
    `limit = round(1 / interval)` requests (at least 1) lasting `limit *
    interval` seconds: Crossref's "3 a second" is 3 in any second, arXiv's
    "one every 3 s" is 1 in any 3 s. `scale` multiplies every interval.
    """

    scale: float = 1.0
    tolerance: float = 0.05  # arrival jitter forgiven, as a share of the window
    jitter: float = 0.05  # and at least this many seconds (a new connection on a busy machine)
    allowed: dict[str, dict[str, Allowance]] = field(default_factory=lambda: dict(ALLOWED))

    def window(self, table: str, kind: str) -> tuple[int, float]:
        """(requests allowed, in seconds) for one kind of one service's table."""
        allowance = self.allowed[table][kind]
        limit = max(1, round(1 / allowance.interval)) if allowance.interval > 0 else 1_000_000
        return limit, limit * allowance.interval * self.scale

    def at_once(self, table: str) -> int:
        return max(a.at_once for a in self.allowed[table].values())


class Gate:
    """Admits or refuses each request under `rules`; counts the refusals per service."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self.violations: Counter[str] = Counter()
        self._starts: dict[tuple[str, str], deque[float]] = {}
        self._busy: Counter[str] = Counter()
        self._lock = threading.Lock()

    def admit(self, service: str, table: str, kind: str, now: float) -> tuple[int, dict] | None:
        """None when the request may be answered (release it after), else (429, headers)."""
        limit, seconds = self.rules.window(table, kind)
        starts = self._starts.setdefault((table, kind), deque())
        with self._lock:
            slack = max(seconds * self.rules.tolerance, self.rules.jitter)
            while starts and now - starts[0] >= seconds - slack:
                starts.popleft()
            if len(starts) >= limit or self._busy[service] >= self.rules.at_once(table):
                self.violations[service] += 1
                return 429, {"Retry-After": str(max(1, math.ceil(seconds)))}
            starts.append(now)
            self._busy[service] += 1
            return None

    def release(self, service: str) -> None:
        with self._lock:
            self._busy[service] -= 1

    def announced(self, table: str, kind: str) -> dict[str, str]:
        """Crossref's rate headers for this kind of request, as the live service sends them."""
        limit, seconds = self.rules.window(table, kind)
        return {"x-rate-limit-limit": str(limit), "x-rate-limit-interval": f"{seconds:g}s",
                "x-concurrency-limit": str(self.rules.at_once(table))}

    def clear(self) -> None:
        with self._lock:
            self.violations.clear()
