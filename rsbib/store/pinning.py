"""`rsbib pin` as one call: find the row, then list, clear or store its corrections (rsbib.store.pins)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rsbib import RsbibError
from rsbib.metadata.records import Entry
from rsbib.store import pins
from rsbib.store.library import Library
from rsbib.store.opening import open_library


@dataclass(frozen=True)
class PinOptions:
    """`rsbib pin`'s options: the row (a line or a citation key) and what to do with it."""

    row: str | None = None
    db_path: str = "library.db"
    doi: str | None = None
    arxiv_id: str | None = None
    not_a_paper: bool = False
    assignments: tuple[str, ...] = ()  # FIELD=VALUE
    clear: bool = False
    show: bool = False  # --list


@dataclass
class Pinned:
    """What `pin` did: the corrections listed, or the row and what was cleared, stored and replaced."""

    listing: list[dict[str, Any]] | None = None
    entry: dict[str, Any] = field(default_factory=dict)
    cleared: pins.Cleared | None = None
    stored: list[tuple[str, str | None]] = field(default_factory=list)
    replaced: list[tuple[str, str | None]] = field(default_factory=list)


def pin(options: PinOptions) -> Pinned:
    """Do what the options ask; RsbibError (exit 2) for a row not found or a correction refused."""
    with open_library(options.db_path, must_exist=True) as library:
        if options.show:
            return Pinned(listing=pins.listing(library))
        if not options.row:
            raise RsbibError("name a ROW (a line or a citation key), or give --list")
        entry = find_row(library, options.row)
        if options.clear:
            return Pinned(entry=entry, cleared=pins.clear(library, Entry.from_row(entry)))
        changes = _changes(options)
        try:
            stored, replaced = pins.store(library, Entry.from_row(entry), changes)
        except pins.CorrectionError as exc:
            raise pins.CorrectionError(f"line {entry['line']}: nothing stored: {exc}") from exc
    return Pinned(entry=entry, stored=stored, replaced=replaced)


def _changes(options: PinOptions) -> list[tuple[str, str | None]]:
    changes: list[tuple[str, str | None]] = [
        (f, v) for f, v in (("doi", options.doi), ("arxiv_id", options.arxiv_id)) if v is not None]
    changes += [(pins.NOT_A_PAPER, None)] if options.not_a_paper else []
    for assignment in options.assignments:
        name, sep, value = assignment.partition("=")
        if not sep:
            raise RsbibError(f"--set {assignment!r}: write FIELD=VALUE")
        name = name.strip().lower()
        changes.append((pins.SET_ALIASES.get(name, name), value))
    if not changes:
        raise RsbibError("nothing to correct: give --doi, --arxiv, --not-a-paper, --set or --clear")
    return changes


def find_row(library: Library, row: str) -> dict[str, Any]:
    """The row at this line of the list as last synced (a listed one first), or with this citation key."""
    if row.isdigit():
        found = list(library.db.table("entries").rows_where("line = ?", [int(row)],
                                                            order_by="listed DESC"))
    else:
        found = list(library.db.query(
            "SELECT e.* FROM entries e LEFT JOIN works w ON w.id = e.work_id "
            "WHERE coalesce(w.citekey, e.citekey) = ? COLLATE NOCASE ORDER BY e.line", [row]))
    if not found:
        raise RsbibError(f"no row at {row!r} (a line of the list, or a citation key)")
    return found[0]
