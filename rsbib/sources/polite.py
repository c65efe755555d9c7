"""What both API clients need and neither library gives: pacing, retries, a record of answers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

T = TypeVar("T")


def batched(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size` (itertools.batched needs Python 3.12)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Recorder(Protocol):
    def __call__(self, service: str, url: str, status: int, headers: dict, body: str,
                 elapsed_ms: int) -> None: ...


class SourceFailure(Exception):
    """A question the service could not answer this time (after retries)."""


@dataclass
class Transient:
    """Why an attempt failed in a way worth retrying, and how long the server asked us to wait."""

    reason: str
    retry_after: float | None = None


class Throttle:
    """At most one request start every `interval` seconds, across threads."""

    def __init__(self, interval: float):
        self.interval = interval
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)

    def hold(self, seconds: float) -> None:
        """Send nothing for `seconds` (a server's Retry-After)."""
        with self._lock:
            self._next = max(self._next, time.monotonic() + seconds)


class Slots:
    """At most `limit` requests in flight; the limit can be lowered while in use."""

    def __init__(self, limit: int):
        self.limit = max(1, limit)
        self._busy = 0
        self._free = threading.Condition()

    def lower(self, limit: int) -> None:
        with self._free:
            self.limit = max(1, min(self.limit, limit))

    def __enter__(self) -> "Slots":
        with self._free:
            self._free.wait_for(lambda: self._busy < self.limit)
            self._busy += 1
        return self

    def __exit__(self, *exc) -> None:
        with self._free:
            self._busy -= 1
            self._free.notify()


def with_retries(call: Callable[[], T], classify: Callable[[Exception], Transient | None],
                 retries: int, backoff: float, throttle: Throttle) -> T:
    """Run `call`; on a transient failure wait (Retry-After, else exponential) and try again.

    Non-transient errors become SourceFailure at once; transient ones after
    `retries` further attempts.
    """
    for attempt in range(retries + 1):
        throttle.wait()
        try:
            return call()
        except Exception as exc:  # classified below; anything unknown is not retried
            verdict = classify(exc)
            if verdict is None:
                raise SourceFailure(describe(exc)) from exc
            if attempt == retries:
                raise SourceFailure(f"{verdict.reason} (gave up after {retries + 1} attempts)") from exc
            wait = verdict.retry_after if verdict.retry_after is not None else backoff * 2 ** attempt
            throttle.hold(min(wait, 300.0))
    raise AssertionError("unreachable")


def describe(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds (only the delta-seconds form is used by these services)."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
