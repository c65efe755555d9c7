"""`rsbib sync` as a library call: list -> library.db, resolving what is not yet settled."""

from __future__ import annotations

import hashlib
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from types import FrameType
from typing import TYPE_CHECKING

from rsbib import RsbibError, __version__
from rsbib.lists.parse import ParsedList, Problem, parse
from rsbib.lists.tokens import gc_paused
from rsbib.metadata.records import Entry, EntryStatus, Outcome, RowToResolve, StatusCounts
from rsbib.settings import Settings
from rsbib.sources import wiring
from rsbib.store.library import Library
from rsbib.store.runs import Response

if TYPE_CHECKING:
    from rsbib.export.auto import Target
    from rsbib.resolve.resolver import Resolver


@dataclass
class SyncReport:
    run_id: int
    source: str
    rows: int
    looked_up: int
    offline_skipped: int
    requests: dict[str, int]
    counts: StatusCounts
    problems: list[Problem] = field(default_factory=list)
    attention: list[Entry] = field(default_factory=list)  # failed and ambiguous rows
    listing: dict[str, int] = field(default_factory=dict)  # rows unlisted / pruned by this sync
    unchanged: bool = False  # nothing new: the library file was not written at all
    interrupted: int = 0  # the signal that stopped the run
    saved: int = 0  # rows decided (and stored) in this run
    export_targets: list[Target] = field(default_factory=list)  # rsbib.toml's, refreshed after the sync

    @property
    def exit_code(self) -> int:
        """0 all good; 1 some rows failed or are ambiguous; 128 + signal when interrupted."""
        if self.interrupted:
            return 128 + self.interrupted
        return 1 if self.attention else 0


class ShrinkRefused(RsbibError):
    """The list holds far fewer rows than the library: most likely the wrong source."""


def refuse_shrink(library: Library, parsed: ParsedList, name: str) -> None:
    """Under half the rows the library holds: refuse before anything is written."""
    held = library.entries.listed_count()
    if len(parsed.rows) * 2 < held:
        last = library.runs.last()
        raise ShrinkRefused(
            f"{name}: {len(parsed.rows)} rows found, but the library holds {held} "
            f"(last synced from {last.source if last else 'another list'}); nothing written "
            "(--allow-shrink if you mean it)")


def is_current(library: Library, source: str, sha256: str, offline: bool) -> bool:
    """The last sync read this very list, and nothing is left to ask (or may be asked)."""
    last = library.runs.last()
    if last is None or (last.source, last.source_sha256) != (source, sha256) or last.finished_at is None:
        return False
    if not library.versions.latest_is_current():  # the recorded list must be the library as it is
        return False
    return offline or not library.entries.count_to_resolve()


class ResponseLog:
    """Raw answers collected from the client threads, written by the main thread with each batch."""

    def __init__(self) -> None:
        self._items: list[Response] = []
        self._lock = threading.Lock()

    def __call__(self, service: str, url: str, status: int, headers: dict[str, str], body: str,
                 elapsed_ms: int) -> None:
        with self._lock:
            self._items.append((service, url, status, headers, body, elapsed_ms))

    def drain(self) -> list[Response]:
        with self._lock:
            items, self._items = self._items, []
        return items


@dataclass(frozen=True)
class SyncOptions:
    """What a sync is asked to do: `rsbib sync`'s options (the defaults are a plain `rsbib sync`)."""

    source: str | None = None  # PATH or URL of the list; None: the list embedded in rsbib
    db_path: str = "library.db"
    offline: bool = False  # send nothing; store the rows, keep what the library holds
    refresh: bool = False  # ask again, even for rows already resolved
    prune: bool = False  # delete the rows no longer in the list
    allow_shrink: bool = False  # accept a list with under half the rows the library holds
    wait: bool = False  # wait for another sync of this library rather than refuse
    settings: Settings | None = None  # None: from the environment (Settings.from_env)

    def __post_init__(self) -> None:
        if self.offline and self.refresh:
            raise RsbibError("--offline and --refresh contradict each other")


def sync_list(options: SyncOptions, hooks: SyncHooks | None = None) -> SyncReport:
    """`rsbib sync`: read the list, refuse what is no list, then sync it into the library under its lock.

    The export targets declared beside the library are read first (a bad
    declaration stops the sync before anything is read) and handed back in
    the report, for `rsbib.export.auto.refresh_after_sync`. A list that
    cannot be read, or is no list, never touches the library.
    """
    from rsbib.export.auto import load_targets
    from rsbib.lists.parse import load_source
    from rsbib.lists.sanity import refuse_unusable
    from rsbib.store.opening import open_library, refuse_directory
    from rsbib.store.synclock import sync_lock

    hooks = hooks or SyncHooks()
    settings = options.settings or Settings.from_env()
    targets = load_targets(options.db_path)
    text, name = load_source(options.source, timeout=settings.timeout)
    parsed = parse(text, name)
    refuse_unusable(text, name, parsed)
    refuse_directory(options.db_path)
    # Offline, the sync makes hundreds of thousands of objects and no cycles (no threads, no
    # requests): the collector's passes over them are paused, as while parsing.
    run = gc_paused(sync_parsed) if options.offline else sync_parsed
    with sync_lock(options.db_path, options.wait, hooks.notify), open_library(options.db_path) as library:
        report = run(library, parsed, text, name, replace(options, settings=settings), hooks)
    report.export_targets = targets
    return report


def sync(library: Library, text: str, name: str, options: SyncOptions,
         hooks: SyncHooks | None = None) -> SyncReport:
    """Store the rows of the list `text` (read from `name`), resolve the unsettled ones, key the works.

    The caller reads the list first (sync_list), so a list that cannot be
    read never touches the library. `hooks.start(total)` may return a
    callback that is told how many rows were decided (the CLI draws its
    progress bar with it). `hooks.on_unreachable(service, reason)` is told once when a
    service stops answering and is no longer asked this run.
    A list with under half the rows the library holds
    raises ShrinkRefused unless `allow_shrink`. A sync with nothing new to
    write (the same list as last time, nothing left to ask) writes nothing.
    When `hooks.stop` is set (SIGINT, SIGTERM) the rows decided so far are stored
    and the report says `interrupted`.
    """
    return sync_parsed(library, parse(text, name), text, name, options, hooks)


def sync_parsed(library: Library, parsed: ParsedList, text: str, name: str, options: SyncOptions,
                hooks: SyncHooks | None = None) -> SyncReport:
    """`sync` of a list its caller has parsed already (a 20,000-row list takes seconds to parse)."""
    hooks = hooks or SyncHooks()
    settings = options.settings or Settings.from_env()
    offline, refresh, prune, stop = options.offline, options.refresh, options.prune, hooks.stop
    start, on_unreachable, allow_shrink = hooks.start, hooks.on_unreachable, options.allow_shrink
    if not allow_shrink:
        refuse_shrink(library, parsed, name)
    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if not (refresh or prune) and is_current(library, name, sha256, offline):
        counts = library.status_counts()
        return SyncReport(0, name, len(parsed.rows), 0, 0, {"arxiv": 0, "crossref": 0}, counts,
                          parsed.problems, library.entries.needs_attention(), unchanged=True)
    library.use_wal()
    run_id = library.runs.start(
        source=name, source_sha256=sha256,
        rsbib_version=__version__, offline=int(offline), refresh=int(refresh),
        rows=len(parsed.rows))
    listing = library.entries.store(parsed, run_id=run_id, prune=prune)
    # Offline nothing is asked: the rows left to ask are only counted.
    pending = [] if offline else library.entries.to_resolve(refresh=refresh)
    waiting = library.entries.count_to_resolve() if offline else len(pending)
    log = ResponseLog()
    sources, plan = wiring.build(settings, log, on_unreachable)
    kept: list[int] = []
    saved: set[int] = set()
    if offline or stop.signal:
        pass  # new and changed rows stay `pending`; failed rows stay `failed`
    elif pending:
        from rsbib.resolve.resolver import Resolver  # an offline sync never needs it

        advance = start(len(pending)) if start else None
        resolver = Resolver(sources, plan, advance)
        for batch in _decisions(resolver, pending, stop):
            saved.update(o.entry_id for o in batch)
            kept += library.outcomes.save(batch, run_id, responses=log.drain())
        library.outcomes.save([], run_id, responses=log.drain())
    requests = {s.name: s.requests for s in sources}
    library.runs.record_services(run_id, [{"service": s.name, "url": s.url, "requests": s.requests,
                                      "failures": s.failures} for s in sources])
    library.keys.key_rows_without_work()
    counts = library.status_counts()
    attention = library.entries.needs_attention(also=kept)
    report = SyncReport(run_id, name, len(parsed.rows), 0 if offline else waiting,
                        waiting if offline else 0, requests, counts, parsed.problems,
                        attention, listing, interrupted=stop.signal, saved=len(saved))
    totals = counts.totals
    library.runs.finish(run_id, resolved=totals[EntryStatus.RESOLVED], ambiguous=totals[EntryStatus.AMBIGUOUS],
                        unresolved=totals[EntryStatus.UNRESOLVED], failed=totals[EntryStatus.FAILED],
                        pending=totals[EntryStatus.PENDING],
                        not_a_paper=totals[EntryStatus.NOT_A_PAPER], exit_code=report.exit_code)
    library.versions.record(run_id, name)
    return report


class Stop:
    """Set by a signal handler: the sync stops asking and stores what it has decided."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal = 0

    def __call__(self, signum: int, frame: FrameType | None = None) -> None:
        self.signal = self.signal or signum
        self.event.set()


@dataclass(frozen=True)
class SyncHooks:
    """What a running sync tells its caller, and how it is told to stop (the CLI prints and draws)."""

    start: Callable[[int], Callable[[int], None] | None] | None = None  # rows to resolve -> progress
    on_unreachable: Callable[[str, str], None] | None = None  # (service, reason), once per service
    notify: Callable[[str], None] = lambda message: None  # e.g. waiting for another sync
    stop: Stop = field(default_factory=lambda: Stop())


@contextmanager
def stopped_by_signals(stop: Stop) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM set `stop` (the rows decided so far are kept), not kill."""
    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _decisions(resolver: Resolver, pending: list[RowToResolve], stop: Stop) -> Iterator[list[Outcome]]:
    """The resolver's batches, from a thread of their own so a stop is seen within 0.1 s.

    On a stop, the batches already handed out come first, then every row the
    resolver has decided but not yet handed out; the rest stay pending.
    """
    batches: queue.Queue[list[Outcome] | BaseException | None] = queue.Queue()

    def produce() -> None:
        try:
            for batch in resolver.run(pending):
                batches.put(batch)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            batches.put(exc)
        batches.put(None)

    threading.Thread(target=produce, name="rsbib-resolve", daemon=True).start()
    handed: set[int] = set()
    while not stop.event.is_set():
        try:
            item = batches.get(timeout=0.1)
        except queue.Empty:
            continue
        if item is None:
            return
        if isinstance(item, BaseException):
            raise item
        handed.update(o.entry_id for o in item)
        yield item
    while True:
        try:
            item = batches.get_nowait()
        except queue.Empty:
            break
        if isinstance(item, list):
            handed.update(o.entry_id for o in item)
            yield item
    yield resolver.decided(exclude=handed)
