"""What an export holds: one item per work (or per unresolved row), in table then list order."""

from __future__ import annotations

import json

from rsbib.export import bibtex, csl
from rsbib.export.items import Item, ListRow, Work, provisional_warning
from rsbib.metadata.records import Author
from rsbib.store.keys import entry_base_key
from rsbib.store.library import Library
from rsbib.store.pins import pinned_fields
from rsbib.store.schema import WORK_COLUMNS

__all__ = ["CategoryError", "Item", "ListRow", "Work", "collect", "match_categories", "pick_tables",
           "provisional_warning", "render", "select"]


class CategoryError(ValueError):
    """A --category name that names no table, or several."""


def match_categories(library: Library, names: tuple[str, ...]) -> list[str]:
    """Slugs for names given as slug, unique prefix or heading, case-insensitively."""
    return pick_tables(list(library.db.table("categories").rows_where(order_by="position")), names)


def pick_tables(tables: list[dict], names: tuple[str, ...]) -> list[str]:
    """Slugs of `tables` (dicts with slug and heading) for names given as slug, unique prefix or heading."""
    valid = ", ".join(t["slug"] for t in tables)
    chosen = []
    for name in names:
        wanted = name.strip().casefold()
        if not wanted:
            raise CategoryError(f"--category {name!r} is empty; name a table: {valid}")
        exact = [t for t in tables if wanted in (t["slug"].casefold(), t["heading"].casefold())]
        found = exact or [t for t in tables if t["slug"].casefold().startswith(wanted)]
        if not found:
            raise CategoryError(f"no table named {name!r}; valid: {valid}")
        if len(found) > 1:
            names_found = ", ".join(t["slug"] for t in found)
            raise CategoryError(f"{name!r} is ambiguous ({names_found}); valid: {valid}")
        chosen.append(found[0]["slug"])
    return list(dict.fromkeys(chosen))


def collect(library: Library, categories: list[str] | None = None,
            resolved_only: bool = False, listed_only: bool = True) -> list[Item]:
    """The items of an export: each work once, at the place of its first row.

    `listed_only`: rows the list no longer holds are left out (a selection by
    citation key passes False: a key a document cites is still found).
    """
    sql = ("SELECT e.* FROM entries e JOIN categories c ON c.slug = e.category "
           "WHERE {where} ORDER BY c.position, e.line")
    params: list = []
    conditions = ["e.listed = 1"] if listed_only else ["1"]
    if categories:
        conditions.append(f"e.category IN ({','.join('?' * len(categories))})")
        params = list(categories)
    where = " AND ".join(conditions)
    items: list[Item] = []
    seen: set = set()
    taken = library.keys.taken()
    entries = list(library.db.query(sql.format(where=where), params))
    wanted = sorted({e["work_id"] for e in entries if e["work_id"] is not None})
    works, authors = _works(library, wanted), _authors_of(library, wanted)
    for entry in entries:
        if entry["work_id"] is not None:
            if ("work", entry["work_id"]) in seen:
                continue
            seen.add(("work", entry["work_id"]))
            work = works[entry["work_id"]]
            items.append(Item(work["citekey"], "work", Work.from_row(work), ListRow.from_row(entry),
                              authors.get(work["id"], [])))
        elif not resolved_only and ("row", entry["row_key"]) not in seen:
            seen.add(("row", entry["row_key"]))
            kind = "project" if entry["status"] == "not-a-paper" else "unverified"
            pinned = pinned_fields(library, entry["row_key"]) if kind == "unverified" else {}
            key = pinned.get("citekey") or entry["citekey"] or taken.claim(entry_base_key(entry))
            provisional = not (pinned.get("citekey") or entry["citekey"])
            if pinned:
                work = completed_by_hand(entry, pinned)
                items.append(Item(key, "work", Work.from_row(work), ListRow.from_row(entry),
                                  _parse_authors(work["authors"]),
                                  provisional=provisional))
            else:
                items.append(Item(key, kind, None, ListRow.from_row(entry), provisional=provisional))
    return items


def _works(library: Library, ids: list[int]) -> dict[int, dict]:
    """These works by id, in one query (the ids travel as one JSON parameter)."""
    return {w["id"]: w for w in library.db.query(
        "SELECT * FROM works WHERE id IN (SELECT value FROM json_each(?))", [json.dumps(ids)])}


def completed_by_hand(entry: dict, pinned: dict[str, str]) -> dict:
    """A work for an unresolved row from the fields its user pinned (`rsbib pin --set`).

    The list gives the title and year unless pinned; nothing else is assumed
    (the type stays misc unless pinned).
    """
    work: dict = dict.fromkeys(WORK_COLUMNS)
    work.update({"title": entry["title"], "year": entry["label_year"], "type": "misc",
                 "citekey": entry["citekey"]})
    for name, value in pinned.items():
        work[name] = int(value) if name in ("year", "month") else value
    return work


def _parse_authors(authors: str | None) -> list[Author]:
    return [Author.parse(a) for a in authors.split(" and ")] if authors else []


def _authors_of(library: Library, ids: list[int]) -> dict[int, list[Author]]:
    """The ordered authors of these works, in one query."""
    found: dict[int, list[Author]] = {}
    for r in library.db.query(
            "SELECT wa.work_id, a.family, a.given FROM work_authors wa JOIN authors a ON a.id = wa.author_id "
            "WHERE wa.work_id IN (SELECT value FROM json_each(?)) ORDER BY wa.work_id, wa.position",
            [json.dumps(ids)]):
        found.setdefault(r["work_id"], []).append(Author(r["family"], r["given"] or ""))
    return found


def select(library: Library, work_ids: set[int], entry_ids: set[int]) -> list[Item]:
    """The items `rsbib export` writes for these works and rows (a row with a work is its work)."""
    if entry_ids:
        marks = ",".join("?" * len(entry_ids))
        work_ids = work_ids | {r["work_id"] for r in library.db.query(
            f"SELECT work_id FROM entries WHERE id IN ({marks}) AND work_id IS NOT NULL",
            list(entry_ids))}
    return [item for item in collect(library, listed_only=False)
            if (item.entry.work_id in work_ids if item.entry.work_id is not None
                else item.entry.id in entry_ids)]


def render(items: list[Item], fmt: str, **options) -> tuple[str, list[str]]:
    """The text of an export in `fmt` (bibtex, biblatex or csl-json), and its warnings.

    `options` go to the BibTeX writer (unicode, journal_abbrev).
    """
    if fmt == "csl-json":
        return csl.write(items), [provisional_warning(i) for i in items if i.provisional]
    return bibtex.write(items, biblatex=(fmt == "biblatex"), **options)
