"""What a user's BibTeX entry says about its paper, and what its version of record changes in it.

Reading: the identifiers (DOI, eprint, an arXiv id in url, journal, note or
volume: "arXiv preprint arXiv:2306.11029", DBLP's `volume = {abs/2311.07113}`),
whether it is a preprint, its title, authors and year.

Changing: the field values come from rsbib's own BibTeX export (escaping and
venue names as `rsbib export` writes them); only the fields rsbib manages
(type, venue, year, volume, number, pages, DOI, and eprint when the arXiv id
would otherwise be lost) are touched, each field the user added is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rsbib.bib.file import BibEntry, braced
from rsbib.metadata import venues
from rsbib.metadata.identifiers import is_arxiv_doi, normalize_arxiv_id, normalize_doi, read_link
from rsbib.metadata.records import PUBLISHED_TYPES, Author, WorkRecord

# Entries that name no journal or conference paper: never looked up.
NOT_LOOKED_UP = {"book", "booklet", "manual", "software", "dataset", "patent", "phdthesis",
                 "mastersthesis", "thesis", "proceedings", "collection", "electronic", "www"}
PREPRINT_VENUE = re.compile(r"\barxiv\b|^\s*corr\s*$|\bpreprint\b|\bbiorxiv\b|\bssrn\b", re.I)
ARXIV_MENTION = re.compile(r"arxiv|\babs/", re.I)
ARXIV_ONLY_NOTE = re.compile(r"^\s*(arxiv\s*(preprint)?\s*)?(arxiv\s*)?:?\s*(abs/)?"
                             r"(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?\s*\.?\s*$", re.I)
ID_FIELDS = ("journal", "journaltitle", "note", "volume", "howpublished", "booktitle", "number",
             "publisher", "eprint", "arxivid", "arxiv")
VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "howpublished")


@dataclass
class Reading:
    """What an entry tells: its identifiers, whether it is a preprint, and what to match on."""

    arxiv_id: str | None
    doi: str | None
    preprint: bool
    title: str
    authors: list[Author]
    year: int | None
    venue: str | None
    arxiv_from: str | None = None  # the field the arXiv id was read from


def read_entry(entry: BibEntry) -> Reading:
    arxiv_id, arxiv_from, doi = None, None, None
    written_doi = entry.text("doi")
    if written_doi:
        doi = normalize_doi(written_doi)
        if is_arxiv_doi(doi):
            arxiv_id, arxiv_from, doi = normalize_arxiv_id(doi or ""), "doi", None
    for name in ID_FIELDS:
        value = entry.text(name)
        if arxiv_id or not value:
            continue
        if name in ("eprint", "arxivid", "arxiv") or ARXIV_MENTION.search(value):
            arxiv_id = normalize_arxiv_id(value.replace("abs/", " "))
            arxiv_from = name if arxiv_id else None
    link = read_link(entry.text("url"))
    if link is not None:
        if not arxiv_id and link.arxiv_id:
            arxiv_id, arxiv_from = link.arxiv_id, "url"
        doi = doi or link.doi
    year_text = re.search(r"\d{4}", entry.text("year") or entry.text("date") or "")
    venue = next((entry.plain(n) for n in VENUE_FIELDS if entry.plain(n)), None)
    authors = [Author.parse(a) for a in re.split(r"\s+and\s+", entry.plain("author") or "")
               if a.strip()]
    return Reading(arxiv_id, doi, is_preprint(entry, arxiv_id), entry.plain("title") or "",
                   authors, int(year_text.group()) if year_text else None, venue, arxiv_from)


def is_preprint(entry: BibEntry, arxiv_id: str | None) -> bool:
    """A preprint: its venue is arXiv (or DBLP's CoRR), or it names no venue and has an arXiv id."""
    venue = next((entry.text(n) for n in ("journal", "journaltitle", "booktitle") if entry.text(n)),
                 None)
    if venue:
        return bool(PREPRINT_VENUE.search(venue))
    if entry.entry_type in ("inproceedings", "incollection", "inbook", "conference"):
        return False
    published_elsewhere = entry.text("howpublished") or entry.text("publisher") or ""
    return bool(arxiv_id) or bool(PREPRINT_VENUE.search(published_elsewhere)) or \
        entry.entry_type in ("unpublished", "preprint")


def skip_reason(entry: BibEntry, reading: Reading, overwrite: bool) -> str | None:
    """Why an entry is not looked up at all, or None."""
    if entry.entry_type in NOT_LOOKED_UP:
        return f"@{entry.entry_type} entries are not looked up"
    if not reading.preprint and reading.doi and not overwrite:
        return "published, with a DOI: nothing to add (--overwrite updates its fields)"
    if not (reading.arxiv_id or reading.doi or reading.title):
        return "no identifier and no title to look it up by"
    return None


# -- the changes a version of record makes ----------------------------------------------


@dataclass
class Change:
    field: str
    old: str | None  # the value as the user wrote it, delimiters removed; None = added
    new: str | None  # None = removed


@dataclass
class Edit:
    """The edit of one entry: its new type, its fields set or removed, and the report of it."""

    new_type: str | None = None
    values: dict[str, str | None] = field(default_factory=dict)  # field -> value as written, or None
    renames: dict[str, str] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)

    def set(self, entry: BibEntry, name: str, value: str | None) -> None:
        """Set (or with None remove) a field, unless it already says exactly this."""
        current = entry.span(name)
        if value is None:
            if current is not None:
                self.values[current.name] = None
                self.changes.append(Change(current.name, entry.text(name), None))
            return
        if current is not None and entry.text(name) == value:
            return
        like = current.value if current else None
        self.values[current.name if current else name] = braced(value, like)
        self.changes.append(Change(current.name if current else name,
                                   entry.text(name) if current else None, value))


def rendered(work: WorkRecord, key: str, authors: list[Author], biblatex: bool) -> tuple[str, dict]:
    """The entry type and fields `rsbib export` would write for this work."""
    from rsbib.export import Item, ListRow, Work
    from rsbib.export.bibtex import Writer

    data = work.to_dict()
    item = Item(key, "work", Work.from_row(data), ListRow(title=work.title), work.authors or authors)
    return Writer(biblatex=biblatex).fields(item)


def uses_biblatex(entry: BibEntry) -> bool:
    return entry.span("journaltitle") is not None or (
        entry.span("date") is not None and entry.span("year") is None)


def _venue_field(entry_type: str, biblatex: bool) -> str:
    if entry_type == "article":
        return "journaltitle" if biblatex else "journal"
    return "booktitle"


def _date_changes(edit: Edit, entry: BibEntry, fields: dict) -> None:
    date_field = "date" if entry.span("date") is not None and entry.span("year") is None else "year"
    year = fields.get("year") or (fields.get("date") or "")[:4] or None
    if year is None:
        return  # the record has no date (Crossref's `issued: [[null]]`): the entry's own stays
    edit.set(entry, date_field, fields.get("date") if date_field == "date" else year)
    if entry.span("month") is not None and date_field == "year":
        edit.set(entry, "month", fields.get("month"))


def to_version_of_record(entry: BibEntry, reading: Reading, work: WorkRecord) -> Edit:
    """A preprint entry becomes its version of record; the arXiv id stays (as eprint)."""
    biblatex = uses_biblatex(entry)
    entry_type, fields = rendered(work, entry.key, reading.authors, biblatex)
    if entry_type not in ("article", "inproceedings"):
        return Edit()  # no authors on record or in the entry: nothing rsbib can write honestly
    edit = Edit(new_type=entry_type if entry_type != entry.entry_type else None)
    if edit.new_type:
        edit.changes.append(Change("@type", entry.entry_type, entry_type))
    venue_field = _venue_field(entry_type, biblatex)
    old_venue = next((n for n in VENUE_FIELDS if entry.span(n) is not None and n != venue_field
                      and PREPRINT_VENUE.search(entry.text(n) or "")), None)
    old_span = entry.span(old_venue) if old_venue else None
    if old_span is not None and entry.span(venue_field) is None:
        edit.renames[old_span.name] = venue_field
    for name in VENUE_FIELDS:
        if name != venue_field and (name != "howpublished" or name == old_venue):
            edit.set(entry, name, None)
    edit.set(entry, venue_field, fields.get(venue_field))
    _date_changes(edit, entry, fields)
    for name in ("volume", "number", "pages", "doi"):
        edit.set(entry, name, fields.get(name))
    if fields.get("publisher") or PREPRINT_VENUE.search(entry.text("publisher") or ""):
        edit.set(entry, "publisher", fields.get("publisher"))
    if entry.text("note") and ARXIV_ONLY_NOTE.match(entry.text("note") or ""):
        edit.set(entry, "note", None)
    if entry.span("eprint") is None and fields.get("eprint") and reading.arxiv_from != "url":
        for name in ("eprint", "archiveprefix", "eprinttype", "primaryclass", "eprintclass"):
            if fields.get(name) and entry.span(name) is None:
                edit.set(entry, name, fields[name])
    for old, new in list(edit.renames.items()):  # a rename is reported as the new field's value
        edit.changes = [c for c in edit.changes if c.field.lower() != old.lower()]
        for change in edit.changes:
            if change.field == new:
                change.old = entry.text(old)
                change.field = f"{old} -> {new}"
    return edit


def published_changes(entry: BibEntry, reading: Reading, work: WorkRecord, overwrite: bool) -> Edit:
    """A published entry gains the DOI; with `overwrite`, every field rsbib manages."""
    edit = Edit()
    if not overwrite:
        if entry.span("doi") is None and work.doi:
            edit.set(entry, "doi", work.doi)
        return edit
    biblatex = uses_biblatex(entry)
    entry_type, fields = rendered(work, entry.key, reading.authors, biblatex)
    if entry_type != entry.entry_type and entry_type in ("article", "inproceedings"):
        edit.new_type = entry_type
        edit.changes.append(Change("@type", entry.entry_type, entry_type))
        old_venue = next((n for n in VENUE_FIELDS if entry.span(n) is not None), None)
        venue_field = _venue_field(entry_type, biblatex)
        old_span = entry.span(old_venue) if old_venue else None
        if old_venue and old_span is not None and old_venue != venue_field and fields.get(venue_field):
            edit.renames[old_span.name] = venue_field
            edit.set(entry, old_venue, None)
    for name in ("journal", "journaltitle", "booktitle", "volume", "number", "pages", "doi",
                 "publisher"):
        if fields.get(name):
            edit.set(entry, name, fields[name])
    _date_changes(edit, entry, fields)
    return edit


def mismatch(entry: BibEntry, reading: Reading, work: WorkRecord) -> str | None:
    """Why a published entry and the record found for it may not be the same publication."""
    kinds = {"article": "journal-article", "inproceedings": "proceedings-article",
             "conference": "proceedings-article", "incollection": "book-chapter"}
    expected = kinds.get(entry.entry_type)
    if expected and work.type in PUBLISHED_TYPES and work.type != expected:
        return f"the entry is @{entry.entry_type} but the record is a {work.type} ({work.venue})"
    if reading.year and work.year and abs(reading.year - work.year) > 1:
        return f"the entry says {reading.year} but the record {work.year}"
    ours, theirs = venues.label_for(reading.venue), venues.label_for(work.venue)
    if ours and theirs and ours != theirs:
        return f"the entry's venue is {ours} but the record's {theirs}"
    return None
