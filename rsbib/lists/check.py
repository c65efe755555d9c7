"""`rsbib check`: what the list gets wrong, judged against the canonical records in library.db.

Findings are for the list's maintainers: a venue label that still says
Arxiv for a paper published since, a title the paper no longer has, a link
to the preprint where a version of record exists, a paper in several
tables, a row no service knows, a missing code link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from rsbib import RsbibError
from rsbib.lists.cells import Edit, apply, cell_text
from rsbib.lists.parse import ParsedList, Row
from rsbib.lists.target import check_list_target, list_target
from rsbib.metadata import venues
from rsbib.metadata.identifiers import read_link
from rsbib.metadata.records import Entry, EntryStatus, WorkRecord, WorkType
from rsbib.store.entries import row_keys
from rsbib.store.library import Library

KINDS = ("stale-venue", "title", "preprint-link", "duplicate", "unresolved", "no-code")
VENUE_SOURCES = ("crossref", "dblp")  # sources whose venue is the version of record's
FIXABLE = {"stale-venue": "publication", "title": "title", "preprint-link": "paper"}


@dataclass
class Finding:
    line: int
    category: str
    abbreviation: str | None
    kind: str
    current: str | None
    suggested: str | None
    reason: str

    @property
    def fixable(self) -> bool:
        return self.kind in FIXABLE and self.suggested is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class RowFinder:
    """The library's entry for a row of the list being checked.

    By the row's identity first; else, for a row edited since the last sync
    (by `check --fix`, or by hand), the one listed entry of the same table with
    the same paper link, the same title, or a work with the DOI the link names.
    """

    def __init__(self, library: Library) -> None:
        from rsbib.resolve.matching import normalize_title  # rapidfuzz: only when a list is judged

        self.title = normalize_title
        self.by_key = {e.row_key: e for e in library.entries.all()}
        self.works = library.works.records()
        self.index: dict[tuple[str, str, str], list[Entry]] = {}
        for e in self.by_key.values():
            if e.listed:
                work = self.works.get(e.work_id) if e.work_id is not None else None
                for kind, clue in (("url", e.paper_url), ("title", normalize_title(e.title)),
                                   ("doi", work.doi if work else None)):
                    if clue:
                        self.index.setdefault((e.category, kind, clue), []).append(e)

    def find(self, row: Row, key: str) -> Entry | None:
        if key in self.by_key:
            return self.by_key[key]
        link = read_link(row.paper_url)
        for kind, clue in (("url", row.paper_url), ("title", self.title(row.title)),
                           ("doi", link.doi if link else None)):
            found = self.index.get((row.category, kind, clue), []) if clue else []
            if len(found) == 1:
                return found[0]
        return None


def check(parsed: ParsedList, text: str, library: Library,
          only: tuple[str, ...] = ()) -> list[Finding]:
    """Findings for every row of the list (`parsed` from `text`) that library.db knows.

    `only` keeps the findings of those kinds. Rows no longer listed count for nothing.
    """
    lines = text.splitlines()
    finder = RowFinder(library)
    tables_of: dict[int, set[str]] = {}
    for e in finder.by_key.values():
        if e.work_id is not None and e.listed:
            tables_of.setdefault(e.work_id, set()).add(e.category)
    findings: list[Finding] = []
    for row, key in zip(parsed.rows, row_keys(parsed.rows)):
        entry = finder.find(row, key)
        if entry is None:
            continue  # not synced yet: nothing to judge it by
        work = finder.works.get(entry.work_id) if entry.work_id is not None else None

        def add(kind: str, current: str | None, suggested: str | None, reason: str, row: Row = row) -> None:
            findings.append(Finding(row.line, row.category, row.abbreviation, kind, current,
                                    suggested, reason))

        if work is None or entry.work_id is None:
            if entry.status != EntryStatus.NOT_A_PAPER:
                status = "" if entry.status == EntryStatus.UNRESOLVED else f"{entry.status}: "
                add("unresolved", row.title, None, f"{status}{entry.note or 'not looked up yet'}")
        else:
            _judge_work(row, work, add)
            others = sorted(tables_of.get(entry.work_id, set()) - {row.category})
            if others:
                add("duplicate", row.category, None, f"also listed in {', '.join(others)}")
        if "code" in row.columns and row.code_url is None:
            add("no-code", cell_text(lines[row.line - 1], row.columns["code"]), None,
                "no code link")
    return [f for f in findings if not only or f.kind in only]


def not_in_library(parsed: ParsedList, library: Library) -> list[Row]:
    """Rows of the list that library.db cannot tell about (never synced): check cannot judge them."""
    finder = RowFinder(library)
    return [row for row, key in zip(parsed.rows, row_keys(parsed.rows))
            if finder.find(row, key) is None]


def failing(findings: list[Finding], fail_on: tuple[str, ...]) -> list[Finding]:
    """The findings of the kinds in `fail_on` ("any": every kind)."""
    return [f for f in findings if "any" in fail_on or f.kind in fail_on]


def _judge_work(row: Row, work: WorkRecord, add: Callable[[str, str | None, str | None, str], None]) -> None:
    from rsbib.resolve.matching import normalize_title

    if venues.is_preprint_label(row.venue_label) and work.type != WorkType.PREPRINT \
            and work.venue_source in VENUE_SOURCES:
        label = venues.label_for(work.venue)
        suggested = f"{label}{work.year}" if label and work.year else None
        add("stale-venue", row.publication, suggested,
            f"published in {work.venue} ({work.year})"
            + ("" if suggested else "; no list-style label known for this venue"))
    if normalize_title(row.title) != normalize_title(work.title):
        add("title", row.title, work.title, "the paper's title differs from the list's")
    if row.paper_url and "arxiv.org" in row.paper_url and work.doi:
        add("preprint-link", row.paper_url, f"https://doi.org/{work.doi}",
            "links the preprint; a version of record exists")


def fixes(parsed: ParsedList, findings: list[Finding], only: tuple[str, ...] = ()) -> list[Edit]:
    """Cell edits for the fixable findings (of the kinds in `only`, when given)."""
    rows = {row.line: row for row in parsed.rows}
    edits = []
    for finding in findings:
        if not finding.fixable or finding.current is None or finding.suggested is None \
                or (only and finding.kind not in only):
            continue
        row = rows[finding.line]
        role = FIXABLE[finding.kind]
        if role in row.columns:
            edits.append(Edit(row.line, row.columns[role], finding.current, finding.suggested))
    return edits


def fixed_text(text: str, parsed: ParsedList, findings: list[Finding],
               only: tuple[str, ...] = ()) -> tuple[str, int, list[str]]:
    """The list with the fixes made; how many; and the ones that could not be made."""
    new, done, problems = apply(text, fixes(parsed, findings, only))
    return new, len(done), problems


@dataclass(frozen=True)
class CheckOptions:
    """`rsbib check`'s options; checked when made (RsbibError, exit 2, for ones that contradict)."""

    source: str | None = None
    db_path: str = "library.db"
    fix: bool = False
    output: str | None = None
    in_place: bool = False
    only: tuple[str, ...] = ()
    fail_on: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.output or self.in_place) and not self.fix:
            raise RsbibError(f"{'-o' if self.output else '--in-place'} writes a fixed list: give --fix too")
        if self.fix and not (self.output or self.in_place):
            raise RsbibError("--fix needs -o FILE or --in-place")
        check_list_target(self.source, self.in_place, self.output)
        never = set(self.fail_on) - set(self.only)
        if self.only and "any" not in self.fail_on and never:
            raise RsbibError(f"--fail-on {sorted(never)[0]} can never fail: --only leaves it out")


@dataclass
class CheckReport:
    parsed: ParsedList
    name: str  # where the list was read from
    findings: list[Finding]
    unknown: list  # rows of the list the library does not hold (not checked)
    failed: list[Finding]  # findings of the kinds --fail-on names
    fixed: tuple[str, int, list[str]] | None = None  # --fix: (the new text, cells fixed, problems)
    target: str | None = None  # --fix: where the new text goes


def check_list(options: CheckOptions) -> CheckReport:
    """`rsbib check` as one call: the list read and judged against the library (read, never written)."""
    from rsbib.lists.parse import load_source, parse
    from rsbib.store.opening import open_library

    text, name = load_source(options.source)
    parsed = parse(text, name)
    with open_library(options.db_path, readonly=True) as library:
        findings = check(parsed, text, library, options.only)
        unknown = not_in_library(parsed, library)
    report = CheckReport(parsed, name, findings, unknown, failing(findings, options.fail_on))
    if options.fix:
        report.fixed = fixed_text(text, parsed, findings, options.only)
        report.target = list_target(options.source, options.in_place, options.output)
    return report
