"""`rsbib add`: one paper -> one new row at the end of a table, in that table's columns and style.

The paper is found the way a sync finds a row's paper (the same resolver,
preprint joined to its version of record). The row is written the way the
table already writes its rows: the same columns in the same order, the
same markup around each cell (`**Title**`), the same link texts (`[SeCo]`
or `[Paper]`, `[link]`), the same word for "no code" (`null`), the same
padding. Nothing else in the list changes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt

from rsbib import RsbibError
from rsbib.lists.cells import cell_text, insert_line
from rsbib.lists.parse import ParsedList, Row, _header_role, cell_spans, parse
from rsbib.metadata import venues
from rsbib.metadata.identifiers import LinkInfo, clean, normalize_arxiv_id, normalize_doi, read_link
from rsbib.metadata.records import WorkRecord
from rsbib.resolve.matching import TITLE_ALONE, title_score
from rsbib.store.entries import row_keys

if TYPE_CHECKING:
    from rsbib.store.library import Library


class AddError(RsbibError):
    """The paper or the target table cannot be used; str() is the one line to show."""


class PaperUnknown(RsbibError, LookupError):
    """No service holds the paper an id names (or the answer was not sure): exit 1, nothing added."""

    exit_code = 1


# -- what the user named -------------------------------------------------------------

_ARXIV_TEXT = re.compile(r"^(?:arxiv:\s*)?(\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(v\d+)?$",
                         re.IGNORECASE)
_URL_LIKE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.|(?:export\.)?arxiv\.org/|(?:dx\.)?doi\.org/)",
                       re.IGNORECASE)


def read_identifier(text: str) -> LinkInfo:
    """An arXiv id, a DOI, or a link rsbib/metadata/identifiers.py reads one from; AddError otherwise."""
    value = clean(text)
    if _URL_LIKE.match(value):
        url = value if "://" in value else f"https://{value}"
        link = read_link(url)
        if link and (link.arxiv_id or link.doi):
            return link
        raise AddError(f"{text!r}: this {link.kind if link else ''} link carries no arXiv id or DOI;"
                       " give the paper's DOI or arXiv id")
    doi = normalize_doi(value) if re.match(r"^(doi:\s*)?10\.", value, re.IGNORECASE) else None
    if doi:
        if doi.startswith("10.48550/"):
            return LinkInfo("arxiv", arxiv_id=normalize_arxiv_id(doi))
        return LinkInfo("doi", doi=doi)
    if _ARXIV_TEXT.match(value):
        return LinkInfo("arxiv", arxiv_id=normalize_arxiv_id(value))
    raise AddError(f"{text!r} is not an arXiv id, a DOI, or an arXiv, doi.org or publisher link")


def find_paper(link: LinkInfo, settings) -> WorkRecord:
    """The paper behind an id, resolved exactly as a sync resolves a row linking to it.

    The row has no title yet, so no source is asked for one: an id no source
    holds leaves the paper unknown (PaperUnknown) rather than searched by nothing.
    """
    from dataclasses import replace

    from rsbib.metadata.records import RowToResolve
    from rsbib.resolve.resolver import Resolver
    from rsbib.sources import wiring

    sources, plan = wiring.build(settings)
    row = RowToResolve(id=0, title="", link_kind=link.kind, has_paper_link=True,
                       arxiv_id=link.arxiv_id, doi=None if link.arxiv_id else link.doi)
    resolver = Resolver(sources, replace(plan, title_search=()))
    outcome = next(o for batch in resolver.run([row]) for o in batch)
    if outcome.status != "resolved" or outcome.work is None:
        raise PaperUnknown(f"{outcome.status}: {outcome.note or 'no service holds it'}")
    return outcome.work


# -- is it listed already? -----------------------------------------------------------

@dataclass
class Listed:
    row: Row
    why: str


def already_listed(parsed: ParsedList, work: WorkRecord,
                   synced: dict[int, WorkRecord] | None = None) -> list[Listed]:
    """Rows of the list that cite `work`: by its DOI, its arXiv id, or a title as good as the same.

    `synced` (line -> work, from `synced_works`) adds the papers a sync
    found for rows whose link carries no id or whose title has changed.
    """
    found = []
    titles = [t for t in (work.title, work.arxiv_title) if t]
    for row in parsed.rows:
        link = read_link(row.paper_url) or LinkInfo("none")
        known = (synced or {}).get(row.line) or WorkRecord("")
        if work.doi and work.doi in (link.doi, known.doi):
            found.append(Listed(row, f"DOI {work.doi}"))
        elif work.arxiv_id and work.arxiv_id in (link.arxiv_id, known.arxiv_id):
            found.append(Listed(row, f"arXiv {work.arxiv_id}"))
        elif any(title_score(row.title, t) >= TITLE_ALONE for t in titles):
            found.append(Listed(row, "same title"))
    return found


def listed_by_identifier(parsed: ParsedList, link: LinkInfo,
                         synced: dict[int, WorkRecord] | None = None) -> list[Listed]:
    """Rows citing the very id given, by their link or the work a sync found for them: no request.

    A synced work with that id lends its other id (the DOI of an arXiv id), so a
    row linking to the paper's other version is found too.
    """
    arxiv_id, doi = link.arxiv_id, None if link.arxiv_id else link.doi
    for work in (synced or {}).values():
        if (arxiv_id and work.arxiv_id == arxiv_id) or (doi and work.doi == doi):
            arxiv_id, doi = work.arxiv_id or arxiv_id, work.doi or doi
            break
    if not (arxiv_id or doi):
        return []
    return [x for x in already_listed(parsed, WorkRecord("", doi=doi, arxiv_id=arxiv_id), synced)
            if x.why != "same title"]


def synced_works(library: Library, parsed: ParsedList) -> dict[int, WorkRecord]:
    """Line -> work for the rows of `parsed` that a sync into `library` resolved (as `check` finds them)."""
    from rsbib.lists.check import RowFinder

    finder = RowFinder(library)
    found = {}
    for row, key in zip(parsed.rows, row_keys(parsed.rows)):
        entry = finder.find(row, key)
        if entry and entry.work_id is not None and entry.work_id in finder.works:
            found[row.line] = finder.works[entry.work_id]
    return found


# -- the target table ----------------------------------------------------------------

@dataclass
class Table:
    """One markdown table of the list: where it is and what it holds."""

    slug: str
    heading: str
    header: list[str]  # column names, in order
    rows: list[Row]
    lines: list[str]  # the raw lines of `rows`
    end: int  # 0-based index of the first line after the table: where a new row goes
    list_none: str = "-"  # what the whole list most often writes for a missing link

    @property
    def template(self) -> str:
        """The last row as written: its padding and outer pipes are the new row's."""
        return self.lines[-1]


def table_of(text: str, parsed: ParsedList, slug: str) -> Table:
    """The last table of category `slug` (a heading may hold several); AddError when it has no rows."""
    rows = [r for r in parsed.rows if r.category == slug]
    heading = next(c.heading for c in parsed.categories if c.slug == slug)
    if not rows:
        raise AddError(f"table {slug!r} has no rows to learn its style from; add the first by hand")
    last = rows[-1].line - 1
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    start, end = next(t.map for t in tokens
                      if t.type == "table_open" and t.map and t.map[0] <= last < t.map[1])
    lines = text.split("\n")
    in_table = [r for r in rows if start <= r.line - 1 < end]
    header = [lines[start][a:b].strip() for a, b in cell_spans(lines[start])]
    cells = (cell_text(lines[r.line - 1], r.columns[role]) for r in parsed.rows
             for role in ("paper", "code") if role in r.columns and getattr(r, f"{role}_url") is None)
    said = Counter(cell for cell in cells if cell)
    return Table(slug, heading, header, in_table, [lines[r.line - 1].rstrip("\r") for r in in_table],
                 end, said.most_common(1)[0][0] if said else "-")



# -- the row -------------------------------------------------------------------------

_WRAPPED = re.compile(r"^((?:\*\*|__|\*|_|<b>|<strong>)?)(.*?)((?:\*\*|__|\*|_|</b>|</strong>)?)$",
                      re.DOTALL)
_LINK = re.compile(r"^\[([^\]]*)\]\(")
_NAME_PREFIX = re.compile(r"^\s*([^:]{1,30}?)\s*:\s+\S")


def abbreviation_of(title: str) -> str | None:
    """"RemoteCLIP: A Vision..." -> RemoteCLIP; a prefix of more than two words is not a name."""
    match = _NAME_PREFIX.match(title)
    if not match:
        return None
    name = match.group(1)
    words = name.split()
    return name if len(words) <= 2 and re.search(r"[A-Z0-9]", words[0]) else None


def list_label(work: WorkRecord) -> tuple[str, str | None]:
    """The list's label for the paper's version of record (TGRS2024, Arxiv2023), and a warning."""
    if work.type == "preprint" or not work.venue:
        server = "Arxiv" if work.arxiv_id else "Preprint"
        return f"{server}{work.arxiv_year or work.year or ''}", None
    label = venues.label_for(work.venue)
    if label:
        return f"{label}{work.year or ''}", None
    written = f"{work.venue} {work.year or ''}".strip()
    return written, f"no list-style label known for {work.venue!r}; wrote {written!r}"


class TableStyle:
    """How a table writes its cells, learnt from its rows."""

    def __init__(self, table: Table):
        self.table = table
        self.cells = [[line[a:b] for a, b in cell_spans(line)] for line in table.lines]

    def column(self, position: int) -> list[str]:
        return [cells[position].strip() for cells in self.cells if position < len(cells)]

    def wrap(self, position: int, text: str) -> str:
        """`text` with the markup most cells of the column carry (`**...**`)."""
        shapes = Counter(m.group(1, 3) for c in self.column(position) if c and (m := _WRAPPED.match(c)))
        before, after = shapes.most_common(1)[0][0] if shapes else ("", "")
        return f"{before}{text}{after}"

    def link_text(self, position: int, abbreviation: str | None, default: str) -> str:
        """The text of the column's links: the row's abbreviation if the table does so, else its usual word."""
        named = other = 0
        words: Counter = Counter()
        for row, cell in zip(self.table.rows, self.column(position)):
            match = _LINK.match(cell)
            if not match:
                continue
            if row.abbreviation and match.group(1) == row.abbreviation:
                named += 1
            else:
                other += row.abbreviation is not None
                words[match.group(1)] += 1
        if abbreviation and named and named >= other:
            return abbreviation
        return words.most_common(1)[0][0] if words else default

    def no_link(self, position: int, role: str) -> str:
        """The table's way of saying a row has no link of this role (null, Comming soon), else the list's."""
        said = Counter(cell for row, cell in zip(self.table.rows, self.column(position))
                       if getattr(row, f"{role}_url") is None and cell)
        return said.most_common(1)[0][0] if said else self.table.list_none

    def line(self, contents: list[str]) -> str:
        """A row with the template row's outer pipes and each cell's padding."""
        template = self.table.template
        spans = cell_spans(template)
        cells = []
        for position, content in enumerate(contents):
            a, b = spans[min(position, len(spans) - 1)]
            cell = template[a:b]
            if cell.strip():
                left, right = cell[:len(cell) - len(cell.lstrip())], cell[len(cell.rstrip()):]
            else:
                left, right = cell, ""
            cells.append(f"{left}{content}{right}")
        return template[:spans[0][0]] + "|".join(cells) + template[spans[-1][1]:]


@dataclass
class NewRow:
    line: str  # the markdown line, without its newline
    warnings: list[str] = field(default_factory=list)


def _escape(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def build_row(table: Table, work: WorkRecord, abbreviation: str | None = None,
              code_url: str | None = None) -> NewRow:
    """The row for `work` in `table`'s columns, order and style; unknown columns left empty."""
    style = TableStyle(table)
    abbreviation_given, abbreviation = abbreviation, abbreviation or abbreviation_of(work.title)
    label, warning = list_label(work)
    warnings = [warning] if warning else []
    paper_url: str | None
    if work.doi:
        paper_url = f"https://doi.org/{work.doi}"
    elif work.arxiv_id:
        paper_url = f"https://arxiv.org/abs/{work.arxiv_id}"
    else:
        paper_url = work.url
    contents = []
    for position, name in enumerate(table.header):
        role = _header_role(name)
        if role == "abbreviation":
            contents.append(style.wrap(position, _escape(abbreviation or "-")))
        elif role == "title":
            contents.append(style.wrap(position, _escape(work.title)))
        elif role == "publication":
            contents.append(style.wrap(position, label))
        elif role == "paper" and paper_url:
            text = style.link_text(position, abbreviation, "Paper")
            contents.append(f"[{_escape(text)}]({paper_url})")
        elif role == "code" and code_url:
            text = style.link_text(position, None, "link")
            contents.append(f"[{_escape(text)}]({code_url})")
        elif role in ("paper", "code"):
            contents.append(style.no_link(position, role))
        else:
            contents.append("")
            warnings.append(f"column {name!r} left empty: rsbib cannot fill it; write it by hand")
    roles = {_header_role(name) for name in table.header}
    for option, given, role in (("--abbr", abbreviation_given, "abbreviation"), ("--code", code_url, "code")):
        if given and role not in roles:
            warnings.append(f"{option} ignored: table {table.slug} has no {role} column")
    return NewRow(style.line(contents), warnings)


def insert(text: str, parsed: ParsedList, table: Table, row: NewRow) -> tuple[str, int]:
    """The list with `row` after the last line of `table`, and the row's 1-based line.

    The result is parsed again: AddError unless it holds every row it held
    before plus this one, in `table`.
    """
    new_text, line = insert_line(text, table.end, row.line), table.end + 1
    again = parse(new_text, parsed.source)
    added = [r for r in again.rows if r.line == line and r.category == table.slug]
    if not added or len(again.rows) != len(parsed.rows) + 1:
        raise AddError(f"the new row would not read back as a row of table {table.slug}: {row.line}")
    return new_text, line
