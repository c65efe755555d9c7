"""What an export holds: one item per work (or per unresolved row), in table then list order."""

from __future__ import annotations

import dataclasses
from typing import Any

from rsbib import RsbibError
from rsbib.export import formats
from rsbib.export.items import Item, ListRow, Work, provisional_warning
from rsbib.metadata.authors import split_authors
from rsbib.store.exports import authors_by_work, category_tables, export_rows, works_by_id, works_of_rows
from rsbib.store.keys import entry_base_key
from rsbib.store.library import Library
from rsbib.store.pins import pinned_fields
from rsbib.store.schema import WORK_COLUMNS

__all__ = ["CategoryError", "Item", "ListRow", "Work", "collect", "match_categories", "pick_tables",
           "provisional_warning", "render", "select"]


class CategoryError(RsbibError, ValueError):
    """A --category name that names no table, or several."""


def match_categories(library: Library, names: tuple[str, ...]) -> list[str]:
    """Slugs for names given as slug, unique prefix or heading, case-insensitively."""
    return pick_tables(category_tables(library), names)


def pick_tables(tables: list[dict[str, Any]], names: tuple[str, ...]) -> list[str]:
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
    items: list[Item] = []
    seen: set[tuple[str, int]] = set()
    taken = library.keys.taken()
    entries = export_rows(library, categories, listed_only)
    wanted = sorted({e["work_id"] for e in entries if e["work_id"] is not None})
    works, authors = works_by_id(library, wanted), authors_by_work(library, wanted)
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
                                  split_authors(work["authors"]),
                                  provisional=provisional, by_hand=True))
            else:
                items.append(Item(key, kind, None, ListRow.from_row(entry), provisional=provisional))
    return items


def completed_by_hand(entry: dict[str, Any], pinned: dict[str, str]) -> dict[str, Any]:
    """A work for an unresolved row from the fields its user pinned (`rsbib pin --set`).

    The list gives the title, year and link unless pinned; nothing else is assumed
    (the type stays misc unless pinned).
    """
    work: dict[str, Any] = dict.fromkeys(WORK_COLUMNS)
    work.update({"title": entry["title"], "year": entry["label_year"], "type": "misc",
                 "citekey": entry["citekey"], "url": entry.get("paper_url")})
    for name, value in pinned.items():
        work[name] = int(value) if name in ("year", "month") else value
    return work


def select(library: Library, work_ids: set[int], entry_ids: set[int]) -> list[Item]:
    """The items `rsbib export` writes for these works and rows (a row with a work is its work)."""
    if entry_ids:
        work_ids = work_ids | works_of_rows(library, entry_ids)
    return [item for item in collect(library, listed_only=False)
            if (item.entry.work_id in work_ids if item.entry.work_id is not None
                else item.entry.id in entry_ids)]


def render(items: list[Item], fmt: str, unicode: bool = False, journal_abbrev: bool = False,
           abstracts: bool = False, bibstyle: str | None = None) -> tuple[str, list[str]]:
    """The text of an export in `fmt` (one of rsbib.export.formats.NAMES), and its warnings.

    `unicode`, `journal_abbrev` and `bibstyle` (the document's style) are for the BibTeX writers. Abstracts are written
    only when asked (`abstracts`, `rsbib export --abstracts`): a bibliography rarely wants them.
    """
    if not abstracts:
        items = [without_abstract(i) for i in items]
    return formats.render(items, fmt, formats.Style(unicode=unicode, journal_abbrev=journal_abbrev,
                                                    bibstyle=bibstyle))


def without_abstract(item: Item) -> Item:
    if item.work is None or item.work.abstract is None:
        return item
    return dataclasses.replace(item, work=dataclasses.replace(item.work, abstract=None))
