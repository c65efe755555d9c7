"""`rsbib add` as one call: the paper an id names, resolved, refused when listed, made a row of its table.

The steps and their rules are rsbib.lists.add's; this module puts them in
order and says, through `say`, what a maintainer must read as it happens
(the rows that already cite the paper, the row's warnings).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from rsbib import RsbibError
from rsbib.lists import add as adding
from rsbib.lists.target import check_list_target, list_target


class NotAdded(RsbibError):
    """The list already cites the paper (in that table, or anywhere without --allow-duplicate): exit 1."""

    exit_code = 1


@dataclass(frozen=True)
class AddOptions:
    """`rsbib add`'s options."""

    id_or_url: str
    category: str | None = None  # a table: slug, unique prefix or heading
    abbr: str | None = None
    code_url: str | None = None
    source: str | None = None
    in_place: bool = False
    output: str | None = None
    allow_duplicate: bool = False
    db_path: str = "library.db"  # its works tell which rows already cite the paper (when it exists)

    def __post_init__(self) -> None:
        check_list_target(self.source, self.in_place, self.output)
        if self.code_url is not None and not re.match(r"^https?://\S+$", self.code_url):
            raise RsbibError(f"--code {self.code_url!r} is not an http(s) URL")


@dataclass
class AddedRow:
    row: str  # the new row, as markdown
    text: str  # the list with the row inserted
    line: int  # its line there
    name: str  # where the list was read from
    target: str | None  # the file it goes to (None: printed only)
    slug: str
    heading: str


def add_paper(options: AddOptions, say: Callable[[str], None] = lambda line: None) -> AddedRow:
    """The row for the paper and the list with it inserted; NotAdded, PaperUnknown or an RsbibError else."""
    from rsbib.export import pick_tables
    from rsbib.lists.parse import load_source, parse
    from rsbib.settings import Settings
    from rsbib.store.opening import open_library

    link = adding.read_identifier(options.id_or_url)
    text, name = load_source(options.source)
    settings = Settings.from_env()
    parsed = parse(text, name)
    tables = [{"slug": c.slug, "heading": c.heading} for c in parsed.categories]
    slug = pick_tables(tables, (options.category,))[0] if options.category is not None else None
    synced = {}
    if os.path.isfile(options.db_path):
        with open_library(options.db_path, readonly=True) as library:
            synced = adding.synced_works(library, parsed)
    listed = adding.listed_by_identifier(parsed, link, synced)  # known duplicates: no request
    refused = [x for x in listed if not options.allow_duplicate or x.row.category == slug]
    if not refused:
        try:
            work = adding.find_paper(link, settings)
        except adding.PaperUnknown as exc:
            raise adding.PaperUnknown(f"{options.id_or_url}: not added: {exc}") from exc
        listed = adding.already_listed(parsed, work, synced)
        refused = [x for x in listed if not options.allow_duplicate or x.row.category == slug]
    for x in listed:
        say(f"{'rsbib' if x in refused else 'warning'}: {name}:{x.row.line}: table "
            f"{x.row.category} already cites this paper ({x.why}): "
            f"{x.row.abbreviation or x.row.title[:60]}")
    if refused:
        raise NotAdded("not added" + ("" if options.allow_duplicate else
                                      "; --allow-duplicate adds it to another table on purpose"))
    if slug is None:
        if len(tables) != 1:
            raise RsbibError("name the table with --category: " + ", ".join(t["slug"] for t in tables))
        slug = tables[0]["slug"]
    table = adding.table_of(text, parsed, slug)
    row = adding.build_row(table, work, options.abbr, options.code_url)
    for warning in row.warnings:
        say(f"warning: {warning}")
    new_text, line = adding.insert(text, parsed, table, row)
    return AddedRow(row.line, new_text, line, name,
                    list_target(options.source, options.in_place, options.output), slug, table.heading)
