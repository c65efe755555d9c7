"""`rsbib upgrade`: any .bib file, each preprint replaced by its version of record, nothing else lost.

Each entry is read for its paper (upgrade_fields). A paper the library
already holds (a work with the entry's DOI or arXiv id, as a sync stored
it with its version of record) is taken from there without a request; the
rest are looked up through the same resolver, sources, batching and matching as a sync (answers kept in
the library's answer cache), and then:

- a preprint whose version of record exists becomes that version;
- a published entry without a DOI gains it (every managed field with
  --overwrite);
- anything uncertain (ambiguous, below the acceptance rules, another title
  or other authors than the entry's) changes nothing and is reported with
  its candidates.

Only the changed entries' text is rewritten (bibfile); every other byte stays.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from rsbib.bib import estimate
from rsbib.bib import file as bibfile
from rsbib.bib.fields import (
    Change,
    Edit,
    Reading,
    mismatch,
    published_changes,
    read_entry,
    skip_reason,
    to_version_of_record,
)
from rsbib.bib.file import BibEntry
from rsbib.metadata.records import PUBLISHED_TYPES, EntryStatus, Outcome, RowToResolve, WorkRecord
from rsbib.resolve.cache import AnswerCache
from rsbib.resolve.matching import AUTHOR_OVERLAP, TITLE_WITH_AUTHORS, author_overlap
from rsbib.resolve.resolver import RENAMED_BELOW
from rsbib.settings import Settings
from rsbib.store.library import Library

# What happened to each entry, in the order the summary names them.
STATUSES = ("upgraded", "doi-added", "updated", "uncertain", "failed", "not-found", "unchanged",
            "skipped")


@dataclass
class EntryReport:
    key: str
    line: int
    status: str
    reason: str | None = None
    method: str | None = None  # how the resolver found it (arxiv-id+crossref-title, doi, ...)
    changes: list[Change] = field(default_factory=list)
    candidates: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class UpgradeResult:
    text: str  # the upgraded file (the input itself when nothing changed)
    entries: list[EntryReport]
    problems: list[str]  # blocks left as they are because they are not valid BibTeX
    requests: dict[str, int]
    cached_answers: int  # questions answered from the library's answer cache
    held: int = 0  # entries answered by a work the library holds (no question asked)

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(e.status for e in self.entries)
        return {s: found[s] for s in STATUSES if found[s]}

    @property
    def exit_code(self) -> int:
        """1 when an entry is uncertain or its look-up failed (the report names them)."""
        return 1 if any(e.status in ("uncertain", "failed") for e in self.entries) else 0

    def to_json(self) -> dict[str, Any]:
        return {"entries": [asdict(e) for e in self.entries], "counts": self.counts,
                "problems": self.problems, "requests": self.requests,
                "cached_answers": self.cached_answers, "held": self.held}


def resolve(rows: list[RowToResolve], settings: Settings, cache: AnswerCache,
            settled: set[int] | frozenset[int] = frozenset(),
            advance: Callable[[int], None] | None = None) -> tuple[dict[int, Outcome], dict[str, int]]:
    """rsbib's resolver over the sync's sources, each answering from the cache first.

    The rows in `settled` (entries that are versions of record already) are
    not asked of the fallback sources (DBLP, one slow request a title): the
    entry itself settles what they could add; the others get the whole plan.
    The two groups run side by side, sharing each source's pace, so DBLP
    starts with the first preprint left without a version of record.
    """
    import threading
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace

    from rsbib.resolve.resolver import Resolver
    from rsbib.sources import wiring

    sources, plan = wiring.build(settings)
    wrapped = [cache.wrap(s) for s in sources]
    outcomes: dict[int, Outcome] = {}
    lock = threading.Lock()

    def told(count: int) -> None:
        with lock:
            if advance:
                advance(count)

    def run(group: list[RowToResolve], group_plan: Any) -> None:
        for batch in Resolver(wrapped, group_plan, told).run(group):
            with lock:
                outcomes.update((o.entry_id, o) for o in batch)

    groups = [([r for r in rows if r.id not in settled], plan),
              ([r for r in rows if r.id in settled], replace(plan, fallback=()))]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for done in [pool.submit(run, group, group_plan) for group, group_plan in groups if group]:
            done.result()
    return outcomes, {s.name: s.requests for s in sources}


def row_for(number: int, reading: Reading) -> RowToResolve:
    """An entry as the resolver reads a row of the list: a preprint is labelled as one."""
    arxiv_id, doi = reading.arxiv_id, reading.doi
    if arxiv_id and doi:  # one way in: a preprint by its arXiv id, a published paper by its DOI
        arxiv_id, doi = (arxiv_id, None) if reading.preprint else (None, doi)
    return RowToResolve(
        id=number, title=reading.title, venue_label="arXiv" if reading.preprint else None,
        label_year=reading.year, link_kind="arxiv" if arxiv_id else ("doi" if doi else None),
        has_paper_link=True, publication=reading.venue, arxiv_id=arxiv_id, doi=doi,
        authors=tuple(a for a in reading.authors if a.family.lower() != "others"))


def upgrade(text: str, name: str, cache: AnswerCache, settings: Settings | None = None,
            overwrite: bool = False, say: Callable[[str], None] | None = None,
            start: Callable[[int], Callable[[int], None] | None] | None = None) -> UpgradeResult:
    """The upgraded text of the .bib `text` (read from `name`), and what happened to each entry.

    Before asking, `say` is told how long the services may take at their pace;
    `start(total)` may return a callback told how many entries were decided
    (the CLI's progress bar).
    """
    bib = bibfile.read(text, name)
    readings = [read_entry(e) for e in bib.entries]
    skipped = {i: skip_reason(e, r, overwrite) for i, (e, r) in enumerate(zip(bib.entries, readings))}
    held = {i: Outcome(i, EntryStatus.RESOLVED, work, method="library")
            for i, r in enumerate(readings) if not skipped[i] and (work := held_work(cache.library, r))}
    rows = [row_for(i, r) for i, r in enumerate(readings) if not skipped[i] and i not in held]
    settled = {i for i, r in enumerate(readings) if not r.preprint}
    settings = settings or Settings.from_env()
    line = estimate.say(rows, settled, settings)
    if say and line:
        say(line)
    advance = start(len(rows)) if start and rows else None
    outcomes, requests = resolve(rows, settings, cache, settled, advance)
    outcomes.update(held)
    reports, replaced = [], {}
    for i, (entry, reading) in enumerate(zip(bib.entries, readings)):
        if skipped[i]:
            reports.append(EntryReport(entry.key, entry.line, "skipped", skipped[i]))
            continue
        report, edit = decide(entry, reading, outcomes[i], overwrite)
        if edit is not None and edit.changes:
            replaced[entry.start] = bibfile.edit_entry(entry, edit.new_type, edit.values,
                                                      edit.renames)
            report.changes = edit.changes
        elif report.status in ("upgraded", "doi-added", "updated"):
            report.status = "unchanged"
        reports.append(report)
    new_text = bibfile.rewrite(bib, replaced) if replaced else text
    return UpgradeResult(new_text, reports, bib.problems, requests, cache.hits, len(held))


def held_work(library: Library | None, reading: Reading) -> WorkRecord | None:
    """The work `library` holds for the entry's DOI or arXiv id, as a sync stored it.

    A preprint entry whose work is still a preprint there is left to the
    services (its version of record may have appeared since the sync).
    """
    if library is None:
        return None
    work = library.works.record_for(reading.doi, reading.arxiv_id)
    if work is None or (reading.preprint and not (work.type in PUBLISHED_TYPES and work.doi)):
        return None
    return work


def decide(entry: BibEntry, reading: Reading, outcome: Outcome,
           overwrite: bool) -> tuple[EntryReport, Edit | None]:
    """What the resolver's outcome means for this entry, and its edit when it is certain."""
    report = EntryReport(entry.key, entry.line, "uncertain", outcome.note, outcome.method)
    if outcome.status == "failed" or (outcome.status == "resolved" and outcome.work is None):
        report.status = "failed"
        return report, None
    if outcome.status == "ambiguous":
        report.candidates = outcome.candidates or []
        return report, None
    if outcome.status != "resolved":
        close = [c for c in outcome.candidates or [] if (c.get("score") or 0) >= TITLE_WITH_AUTHORS]
        if close:
            report.candidates = close
            report.reason = f"no candidate meets the acceptance rules ({outcome.note})"
        else:
            report.status, report.reason = "not-found", "no source holds this paper"
        return report, None
    work = outcome.work
    assert work is not None  # resolved: failed above when there is no work
    doubt = _doubt(entry, reading, outcome)
    if doubt:
        report.reason = doubt
        report.candidates = [{"title": work.title, "doi": work.doi, "arxiv_id": work.arxiv_id,
                              "year": work.year, "venue": work.venue, "reason": doubt}]
        return report, None
    if reading.preprint:
        if work.type in PUBLISHED_TYPES and work.doi:
            report.status, report.reason = "upgraded", f"now {work.venue} {work.year or ''}".strip()
            return report, to_version_of_record(entry, reading, work)
        report.status, report.reason = "unchanged", "no version of record found (still a preprint)"
        return report, None
    edit = published_changes(entry, reading, work, overwrite)
    report.status = "updated" if overwrite else "doi-added"
    return report, edit


def _doubt(entry: BibEntry, reading: Reading, outcome: Outcome) -> str | None:
    """Why the record found may be another paper than the entry's (None when it is the same)."""
    work = outcome.work
    assert work is not None  # only a resolved outcome with a work is doubted
    overlap = author_overlap(reading.authors, work.authors)
    if overlap is not None and overlap < AUTHOR_OVERLAP:
        return "no author in common with the record found"
    renamed = reading.title and outcome.score is not None and outcome.score < RENAMED_BELOW
    if renamed and overlap is None:  # found by its id, but retitled: only its authors can confirm
        return (f"the record's title differs from the entry's ({outcome.score:.0f}) and no "
                f"authors confirm it: {work.title!r}")
    if not reading.preprint:
        return mismatch(entry, reading, work)
    return None


# -- the report ---------------------------------------------------------------------------


def _shown(value: str | None) -> str:
    return "(none)" if value is None else " ".join(value.split())


def text_report(result: UpgradeResult, name: str) -> list[str]:
    """Lines for stderr: each changed entry and field, each uncertain or missing one, a summary."""
    lines = list(f"warning: {p}" for p in result.problems)
    for e in result.entries:
        where = f"{e.key} ({name}:{e.line})"
        if e.changes:
            lines.append(f"{where}: {e.status}" + (f", {e.reason}" if e.reason else "")
                         + (f" [{e.method}]" if e.method else ""))
            for c in e.changes:
                new = "(removed)" if c.new is None else _shown(c.new)
                lines.append(f"    {c.field}: {_shown(c.old)} -> {new}")
        elif e.status == "unchanged" and e.reason:
            lines.append(f"{where}: {e.reason}")
        elif e.status in ("uncertain", "failed", "not-found"):
            lines.append(f"{where}: {e.status}: {e.reason}; left as it is")
            for cand in e.candidates:
                bits = [str(cand.get(k)) for k in ("year", "venue") if cand.get(k)]
                ident = cand.get("doi") or cand.get("arxiv_id") or ""
                score = f", score {cand['score']}" if cand.get("score") is not None else ""
                lines.append(f"    candidate: {cand.get('title')!r} ({', '.join(bits)}) {ident}"
                             f"{score}: {cand.get('reason')}")
    counts = ", ".join(f"{n} {s}" for s, n in result.counts.items()) or "no entries"
    requests = ", ".join(f"{s} {n}" for s, n in result.requests.items())
    lines.append(f"{len(result.entries)} entries: {counts}; requests: {requests}; "
                 f"{result.cached_answers} answers from the library's cache"
                 + (f", {result.held} from the works it holds" if result.held else ""))
    return lines
