"""What every API client needs and no library gives: pacing, retries, a circuit, a record of answers."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Protocol, TypeVar

from rsbib.sources.base import NotFound, RateLimited, Rejected, SourceFailure, Transient, Unreachable

T = TypeVar("T")


def batched(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size` (itertools.batched needs Python 3.12)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Recorder(Protocol):
    def __call__(self, service: str, url: str, status: int, headers: dict[str, str], body: str,
                 elapsed_ms: int) -> None: ...


class Throttle:
    """At most one request start every `interval` seconds, across threads.

    A start is claimed when it is due, not booked ahead: a thread that wakes
    late (a busy machine) pushes the next start back rather than sending two
    requests closer together. `sent` keeps the recent starts (monotonic seconds).
    """

    def __init__(self, interval: float):
        self.interval = interval
        self.sent: deque[float] = deque(maxlen=1000)
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                if now >= self._next:
                    self._next = now + self.interval
                    self.sent.append(now)
                    return
                delay = self._next - now
            time.sleep(delay)

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

    def __enter__(self) -> Slots:
        with self._free:
            self._free.wait_for(lambda: self._busy < self.limit)
            self._busy += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with self._free:
            self._busy -= 1
            self._free.notify()


class Circuit:
    """Stops asking a service after `limit` consecutive connection failures, for the rest of the run.

    `on_open(service, reason)` is told once, when it opens.
    """

    def __init__(self, service: str, limit: int = 3,
                 on_open: Callable[[str, str], None] | None = None):
        self.service = service
        self.limit = limit
        self.on_open = on_open
        self.reason: str | None = None  # set once open
        self._streak = 0
        self._lock = threading.Lock()

    def check(self) -> None:
        """Raise Unreachable at once when the service was given up for this run."""
        if self.reason is not None:
            raise Unreachable(f"{self.reason}; not asked again this run")

    def succeeded(self) -> None:
        with self._lock:
            self._streak = 0

    def failed(self, failure: SourceFailure) -> None:
        """Count a connection failure; any other failure proves the service is there."""
        with self._lock:
            if not isinstance(failure, Unreachable):
                self._streak = 0
                return
            self._streak += 1
            if self._streak < self.limit or self.reason is not None:
                return
            self.reason = f"{self.service} unreachable ({failure.reason})"
        if self.on_open:
            self.on_open(self.service, self.reason)


def with_retries(call: Callable[[], T], classify: Callable[[Exception], SourceFailure],
                 retries: int, backoff: float, throttle: Throttle,
                 circuit: Circuit | None = None, paced_inside: bool = False) -> T:
    """Run `call`; on a failure worth retrying wait (Retry-After, else exponential) and try again.

    `call` waits its turn at `throttle` first, unless it does so itself
    (`paced_inside`: a client that takes a slot first, so that a request never
    waits for a slot after its turn was claimed and goes out late, bunched with others).

    Failures are typed by `classify`; one that is not worth retrying is raised
    at once, the others after `retries` further attempts. A connection failure
    is retried after at most a second, and an open circuit stops at once.
    """
    for attempt in range(retries + 1):
        if circuit:
            circuit.check()
        if not paced_inside:
            throttle.wait()
        try:
            result = call()
        except Exception as exc:  # every exception is typed below; SourceFailure is raised
            failure = classify(exc)
            if circuit:
                circuit.failed(failure)
                circuit.check()
            if not failure.retry:
                raise failure from exc
            if attempt == retries:
                failure.reason = f"{failure.reason} (gave up after {retries + 1} attempts)"
                failure.args = (failure.reason,)
                raise failure from exc
            wait = backoff * 2 ** attempt
            if isinstance(failure, RateLimited) and failure.retry_after is not None:
                wait = failure.retry_after
            elif isinstance(failure, Unreachable):
                wait = min(wait, 1.0)
            throttle.hold(min(wait, 300.0))
            continue
        if circuit:
            circuit.succeeded()
        return result
    raise AssertionError("unreachable")


def describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def why_unreachable(exc: BaseException) -> str:
    """The root of a connection failure in a few words ("[Errno 111] Connection refused"),
    not the client's wrapper text (a pool, a URL and a retry count)."""
    *_, root = causes(exc)
    return describe(root)


def causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and the exceptions it was raised from (clients wrap the ones that say what happened)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def by_status(status: int, reason: str, retry_after: float | None = None) -> SourceFailure:
    """The failure an HTTP error status means, whatever text came with it."""
    if status == 404:
        return NotFound(reason)
    if status == 429 or (status == 503 and retry_after is not None):
        return RateLimited(reason, retry_after)
    if status >= 500:
        return Transient(reason)
    return Rejected(reason)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After in either of its forms: delta-seconds ("120") or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
