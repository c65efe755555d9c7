"""`rsbib changes`: what changed between two recorded versions of the list.

Rows are paired first by their identity (table, title, link), then, among
the rows left, by the paper they name (the same work, link or title) in the
same table (an edit) or in another table (a move). What is left over was
added or removed. A paired row whose paper was a preprint and now has a
version of record was published since.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from rsbib import RsbibError
from rsbib.lists import history
from rsbib.lists.history import Version

if TYPE_CHECKING:
    from rsbib.store.library import Library

# Row fields a maintainer edits, and the names the report gives them.
EDITABLE = {"title": "title", "publication": "label", "abbreviation": "abbreviation",
            "paper_url": "paper link", "code_url": "code link"}
SHOWN = ("category", "line", "abbreviation", "title", "publication", "paper_url", "code_url")


class ChangesError(RsbibError, ValueError):
    """Nothing to compare: no list recorded yet, or a --since that names no run or date."""


@dataclass
class Changes:
    old: Version
    new: Version
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    moved: list[dict] = field(default_factory=list)
    edited: list[dict] = field(default_factory=list)
    published: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"from": self.old.describe(), "to": self.new.describe(), "added": self.added,
                "removed": self.removed, "moved": self.moved, "edited": self.edited,
                "published": self.published}

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.moved or self.edited or self.published)


def _shown(row: dict) -> dict:
    return {k: row.get(k) for k in SHOWN}


def _title(row: dict) -> str:
    return re.sub(r"\W+", " ", row.get("title", "").casefold()).strip()


def _same_paper(a: dict, b: dict) -> bool:
    return bool((a.get("citekey") and a.get("citekey") == b.get("citekey"))
                or (a.get("paper_url") and a.get("paper_url") == b.get("paper_url"))
                or (_title(a) and _title(a) == _title(b)))


def pair_rows(old: list[dict], new: list[dict]) -> tuple[list[tuple[dict, dict]], list, list]:
    """(old, new) pairs of the same row, then the rows only in `old` and only in `new`."""
    old_keys = {r["row_key"] for r in old}
    new_by_key = {r["row_key"]: r for r in new}
    pairs = [(r, new_by_key[r["row_key"]]) for r in old if r["row_key"] in new_by_key]
    gone = [r for r in old if r["row_key"] not in new_by_key]
    came = [r for r in new if r["row_key"] not in old_keys]
    for same_table in (True, False):
        for n in list(came):
            match = next((o for o in gone if (o["category"] == n["category"]) == same_table
                          and _same_paper(o, n)), None)
            if match is not None:
                pairs.append((match, n))
                gone.remove(match)
                came.remove(n)
    return pairs, gone, came


def _edits(old: dict, new: dict) -> dict:
    return {name: [old.get(k), new.get(k)] for k, name in EDITABLE.items()
            if old.get(k) != new.get(k)}


def _published_since(old: dict, new: dict) -> bool:
    return (old.get("type") == "preprint" and bool(new.get("doi"))
            and new.get("type") not in (None, "preprint"))


def compare(old: Version, new: Version, still_kept: frozenset[str] | set[str] = frozenset()) -> Changes:
    """The changes from `old` to `new`; `still_kept`: keys of removed rows the library still holds."""
    pairs, gone, came = pair_rows(old.rows, new.rows)
    changes = Changes(old, new)
    changes.added = [_shown(r) for r in sorted(came, key=lambda r: r["line"])]
    changes.removed = [{**_shown(r), "kept": r["row_key"] in still_kept}
                       for r in sorted(gone, key=lambda r: r["line"])]
    for o, n in sorted(pairs, key=lambda p: p[1]["line"]):
        edits = _edits(o, n)
        if o["category"] != n["category"]:
            changes.moved.append({**_shown(n), "from_category": o["category"], "changes": edits})
        elif edits:
            changes.edited.append({**_shown(n), "changes": edits})
        if _published_since(o, n):
            changes.published.append({**_shown(n), "citekey": n.get("citekey"),
                                      "venue": n.get("venue"), "year": n.get("year"),
                                      "doi": n.get("doi")})
    return changes


def versions(library: Library, since: str | None) -> tuple[Version | None, Version]:
    """(old, new) versions to compare: `since` a sync run number, a date, or None (the last two).

    Raises ChangesError, with the reason, when there is nothing to compare.
    """
    kept = library.versions
    new = kept.latest()
    if new is None:
        raise ChangesError("no list recorded yet (run `rsbib sync` first)")
    if since is None:
        return kept.previous(), new
    if since.isdigit():
        if not library.runs.exists(int(since)):
            raise ChangesError(f"--since {since}: no sync run {since}")
        return kept.as_of_run(int(since)), new
    try:
        moment = datetime.fromisoformat(since)
    except ValueError:
        raise ChangesError(f"--since {since!r}: give a sync run number or a date (YYYY-MM-DD)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return kept.before(moment.astimezone(timezone.utc).isoformat(timespec="seconds")), new


def compare_with_library(library: Library, old: Version | None, new: Version) -> Changes:
    """`compare`, telling removed rows the library still keeps (no longer listed) from pruned ones."""
    return compare(old or history.EMPTY, new, library.entries.unlisted_keys())


# -- rendering -------------------------------------------------------------------


def _name(row: dict) -> str:
    return row.get("abbreviation") or row["title"]


def _edit_text(edits: dict) -> str:
    return "; ".join(f"{name}: {old or '(none)'} -> {new or '(none)'}"
                     for name, (old, new) in edits.items())


def _span(changes: Changes) -> str:
    def one(v: Version) -> str:
        return f"run {v.run_id} ({v.recorded_at})" if v.id else "an empty library"
    return f"from {one(changes.old)} to {one(changes.new)}"


def _lines(changes: Changes, headings: dict[str, str], item) -> list[tuple[str, list[str]]]:
    """(section title, lines) for each part of the report that has something."""
    def table(slug):
        return headings.get(slug, slug)

    sections = [
        ("Added", [item(r, f"{table(r['category'])}, line {r['line']}"
                        + (f", {r['publication']}" if r.get("publication") else ""))
                   for r in changes.added]),
        ("Removed", [item(r, f"was in {table(r['category'])}; "
                          + ("kept in the library as no longer listed" if r["kept"] else "pruned"))
                     for r in changes.removed]),
        ("Moved", [item(r, f"{table(r['from_category'])} -> {table(r['category'])}"
                        + (f"; {_edit_text(r['changes'])}" if r["changes"] else ""))
                   for r in changes.moved]),
        ("Edited", [item(r, f"{table(r['category'])}: {_edit_text(r['changes'])}")
                    for r in changes.edited]),
        ("Published since", [item(r, f"now {r['venue'] or 'published'} ({r['year']}), "
                                     f"doi:{r['doi']}") for r in changes.published]),
    ]
    return [(title, lines) for title, lines in sections if lines]


def as_text(changes: Changes, headings: dict[str, str]) -> str:
    out = [f"Changes {_span(changes)}:"]
    for title, lines in _lines(changes, headings, lambda r, rest: f"  {_name(r)}: {rest}"):
        out += [f"{title} ({len(lines)}):", *lines]
    if changes.empty:
        out.append("  none")
    return "\n".join(out) + "\n"


def as_markdown(changes: Changes, headings: dict[str, str]) -> str:
    def item(row, rest):
        name = _name(row).replace("|", "\\|")
        link = f"[{name}]({row['paper_url']})" if row.get("paper_url") else name
        return f"- **{link}**: {rest}"

    date = (changes.new.recorded_at or "")[:10]
    out = [f"## List changes {date}".rstrip(), "",
           f"_{_span(changes)}; {len(changes.new.rows)} rows listed._", ""]
    for title, lines in _lines(changes, headings, item):
        out += [f"### {title} ({len(lines)})", "", *lines, ""]
    if changes.empty:
        out += ["No changes.", ""]
    return "\n".join(out)


@dataclass(frozen=True)
class ChangesOptions:
    db_path: str = "library.db"
    since: str | None = None  # a sync run number or a date (YYYY-MM-DD); None: the last two lists


@dataclass
class ChangesReport:
    changes: Changes
    headings: dict[str, str]  # table slug -> its heading
    first_list: bool  # no earlier list recorded: every row counts as added


def changes_since(options: ChangesOptions) -> ChangesReport:
    """`rsbib changes` as one call: the two lists to compare, compared, read without writing."""
    from rsbib.store.exports import category_tables
    from rsbib.store.opening import open_library

    with open_library(options.db_path, readonly=True) as library:
        try:
            old, new = versions(library, options.since)
        except ChangesError as exc:
            raise ChangesError(f"{options.db_path}: {exc}") from exc
        found = compare_with_library(library, old, new)
        headings = {t["slug"]: t["heading"] for t in category_tables(library)}
    return ChangesReport(found, headings, first_list=old is None)
