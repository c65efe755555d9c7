"""Read an awesome list (markdown tables of papers) into rows and cite blocks.

The parser walks markdown-it-py's table tokens (rsbib.lists.tokens), so escaped pipes, inline
markup and links are handled by a real CommonMark/GFM parser. Columns are found by their
header names, never by position: the tables differ, and later lists add tables and columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources

import bibtexparser
from markdown_it.token import Token

from rsbib import RsbibError
from rsbib.lists import tokens as markdown
from rsbib.metadata.identifiers import clean

EMBEDDED_LIST = "awesome-rsfm-2024-02-27.md"

# Header name (lower-case) -> the row attribute it fills.
COLUMN_ROLES = {
    "abbreviation": "abbreviation", "abbr": "abbreviation", "abbr.": "abbreviation",
    "title": "title", "paper title": "title",
    "publication": "publication", "venue": "publication",
    "paper": "paper", "paper link": "paper",
    "code & weights": "code", "code": "code", "code & data": "code", "link": "code",
}
NO_LINK_TEXTS = {"null", "none", "-", "comming soon", "coming soon", "n/a", "tbd", ""}
# Words of a heading that say nothing about what the table holds.
HEADING_NOISE = {
    "remote", "sensing", "foundation", "models", "model", "for", "rsfms", "rsfm",
    "papers", "paper", "pre-training", "pretraining", "large-scale", "the", "of", "and",
}
_LABEL_YEAR = re.compile(r"^(.*?)\s*((?:19|20)\d{2})$")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.IGNORECASE)
_HTTP = re.compile(r"^https?://\S+$", re.IGNORECASE)
_MD_LINK = re.compile(r"\]\(([^)\s]*)")  # a [text](target) markdown-it refused to make a link
_HTML_HREF = re.compile(r"<a\s[^>]*href\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
_ROW_LIKE = re.compile(r"^\s*\|.*\|\s*$")
_SPACES = re.compile(r"\s+")
_PIPE = re.compile(r"(?<!\\)\|")  # a pipe that splits cells


@dataclass
class Row:
    """One row of one table of the list, as written there."""

    category: str
    heading: str
    line: int
    title: str
    abbreviation: str | None = None
    publication: str | None = None
    venue_label: str | None = None
    label_year: int | None = None
    paper_url: str | None = None
    code_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    columns: dict[str, int] = field(default_factory=dict)  # role -> position of its cell


@dataclass
class CiteBlock:
    """A BibTeX entry written in the list itself (the SkySense "Cite" block)."""

    key: str
    entry_type: str
    fields: dict[str, str]
    line: int
    raw: str


@dataclass
class Category:
    slug: str
    heading: str
    position: int


@dataclass
class Problem:
    """Something wrong in the list: where, and why. Never fatal for other rows."""

    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


@dataclass
class ParsedList:
    source: str
    categories: list[Category]
    rows: list[Row]
    cite_blocks: list[CiteBlock]
    problems: list[Problem]


def embedded_list_text() -> str:
    """The list shipped inside the package, used when no --source is given."""
    return resources.files("rsbib.data").joinpath(EMBEDDED_LIST).read_text("utf-8")


def split_publication(label: str | None) -> tuple[str | None, int | None]:
    """`TGRS2021` -> ("TGRS", 2021); `Github` -> ("Github", None); `-` -> (None, None)."""
    if label is None or label.strip() in ("", "-"):
        return None, None
    label = label.strip()
    match = _LABEL_YEAR.match(label)
    if not match:
        return label, None
    venue = match.group(1).strip() or None
    return venue, int(match.group(2))


def category_slug(heading_inline: Token) -> str:
    """A short slug for a table's heading: the <ins>-marked word, else the heading less noise."""
    children = heading_inline.children or []
    inside, marked = False, []
    for child in children:
        if child.type == "html_inline" and child.content.lower() == "<ins>":
            inside = True
        elif child.type == "html_inline" and child.content.lower() == "</ins>":
            inside = False
        elif inside and child.type == "text":
            marked.append(child.content)
    text = "".join(marked) or heading_text(heading_inline)
    text = re.sub(r"\([^)]*\)", " ", text)
    words = [w for w in re.split(r"[^\w-]+", text.lower()) if w and w not in HEADING_NOISE]
    if not marked and words and words[-1].endswith("s") and not words[-1].endswith("ss"):
        words[-1] = words[-1][:-1]
    return "-".join(words) or "uncategorized"


def heading_text(inline: Token) -> str:
    """The visible text of a heading or cell: markup and HTML tags dropped."""
    children = inline.children or []
    if len(children) == 1 and children[0].type == "text":  # a plain cell (most of them)
        return _SPACES.sub(" ", clean(children[0].content))
    parts = [" " if c.type in ("softbreak", "hardbreak") else c.content for c in children
             if c.type in ("text", "code_inline", "image", "softbreak", "hardbreak")]
    return _SPACES.sub(" ", clean("".join(parts)))


def cell_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) of each cell's content in a GFM table row; escaped pipes do not split."""
    body = line.rstrip("\r\n")
    cuts = [m.start() for m in _PIPE.finditer(body)]
    if not cuts:
        return [(0, len(body))]
    bounds = cuts if not body[:cuts[0]].strip() else [-1, *cuts]
    if body[bounds[-1] + 1:].strip():
        bounds.append(len(body))  # no closing pipe: the text after the last one is a cell
    return [(a + 1, b) for a, b in zip(bounds, bounds[1:])]


def cell_count(line: str) -> int:
    """`len(cell_spans(line))`, counted without making the spans (a row with no backslash)."""
    body = line.rstrip("\r\n")
    if "\\" in body or "|" not in body:
        return len(cell_spans(line))
    first, last = body.find("|"), body.rfind("|")
    return body.count("|") - 1 + bool(body[:first].strip()) + bool(body[last + 1:].strip())


def cell_link(inline: Token) -> tuple[str | None, str | None]:
    """(URL, problem) of a link cell; no URL for `null`, "Comming soon" and other placeholders.

    A real link keeps its URL whatever its text says (`[Comming soon](https://...)`);
    a bare URL and an HTML <a href> count too. Only http(s) links are taken: any
    other scheme (javascript:, file:, a relative path) is refused with a reason.
    """
    href = None
    for child in inline.children or []:
        if child.type == "link_open":
            href = clean(str(child.attrGet("href") or ""))
            break
        found = _HTML_HREF.search(child.content) if child.type == "html_inline" else None
        if found:
            href = clean(found.group(1))
            break
    if href is None:
        text = heading_text(inline)
        if text.lower() in NO_LINK_TEXTS:
            return None, None
        if _URL.match(text):
            href = text
        elif found := _MD_LINK.search(text):
            return None, f"link {found.group(1)!r} is not an http(s) URL; ignored"
        else:
            return None, None
    if not _HTTP.match(href):
        return None, f"link {href[:80]!r} is not an http(s) URL; ignored"
    return href, None


def _header_role(name: str) -> str | None:
    return COLUMN_ROLES.get(_SPACES.sub(" ", name.strip().lower()))


@markdown.gc_paused
def parse(text: str, source: str = EMBEDDED_LIST) -> ParsedList:
    """Parse a whole list: every table under every heading, plus fenced BibTeX blocks."""
    tokens = markdown.tokens(text)
    lines = text.splitlines()
    covered: set[int] = set()  # 0-based lines inside tables and code blocks
    categories: list[Category] = []
    rows: list[Row] = []
    cites: list[CiteBlock] = []
    problems: list[Problem] = _bad_byte_problems(text, source)
    heading: Token | None = None
    current: Category | None = None
    slugs: dict[str, int] = {}
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            heading, current = tokens[i + 1], None
        elif tok.type in ("fence", "code_block", "html_block"):
            covered.update(range(*tok.map) if tok.map else ())
            if tok.type == "fence":
                cites.extend(_cite_blocks(tok, source, problems))
        elif tok.type == "table_open":
            end = _closing(tokens, i, "table_close")
            covered.update(range(*tok.map) if tok.map else ())
            if current is None:
                title = heading_text(heading) if heading is not None else "Untitled"
                slug = category_slug(heading) if heading is not None else "uncategorized"
                slugs[slug] = slugs.get(slug, 0) + 1
                if slugs[slug] > 1:
                    slug = f"{slug}-{slugs[slug]}"
                current = Category(slug, title, len(categories) + 1)
                categories.append(current)
            rows.extend(_table_rows(tokens[i:end + 1], current, source, lines, problems))
            i = end
        i += 1
    for n, line in enumerate(lines):
        if n not in covered and _ROW_LIKE.match(line):
            problems.append(Problem(source, n + 1, "looks like a table row but is not in a table "
                                                   "(missing delimiter row?); skipped"))
    if not categories:
        problems.append(Problem(source, 1, "no tables found"))
    _report_repeats(rows, source, problems)
    problems.sort(key=lambda p: p.line)
    return ParsedList(source, categories, rows, cites, problems)


def _report_repeats(rows: list[Row], source: str, problems: list[Problem]) -> None:
    seen: dict[tuple, int] = {}
    for row in rows:
        key = (row.category, row.title.casefold(), row.paper_url)
        if key in seen:
            problems.append(Problem(source, row.line, f"repeats the row of line {seen[key]}"))
        else:
            seen[key] = row.line


def _closing(tokens: list[Token], start: int, kind: str) -> int:
    for j in range(start, len(tokens)):
        if tokens[j].type == kind:
            return j
    return len(tokens) - 1


def _table_rows(tokens: list[Token], category: Category, source: str, lines: list[str],
                problems: list[Problem]) -> list[Row]:
    headers: list[str] = []
    roles: list[str | None] = []  # each column's role, read once per table
    rows: list[Row] = []
    cells: list[Token] = []
    line = 0
    in_head = False
    for tok in tokens:
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open":
            cells, line = [], (tok.map[0] + 1 if tok.map else 0)
        elif tok.type == "inline":
            cells.append(tok)
        elif tok.type == "tr_close":
            if in_head:
                headers = [heading_text(c) for c in cells]
                roles = [_header_role(h) for h in headers]
                if "title" not in roles:
                    problems.append(Problem(source, line, "table has no Title column; its rows are skipped"))
                    return []
            else:
                written = cell_count(lines[line - 1]) if 0 < line <= len(lines) else len(cells)
                if written != len(headers):
                    fewer = written < len(headers)
                    problems.append(Problem(source, line, (
                        f"row has {written} cells, the header {len(headers)}; "
                        + ("the missing ones are empty" if fewer else "the extra ones are ignored"))))
                row = _row(headers, roles, cells, category, line, source, problems)
                if row is not None:
                    rows.append(row)
    if headers and not rows:
        problems.append(Problem(source, tokens[0].map[0] + 1 if tokens[0].map else 0,
                                "table has no rows"))
    return rows


def _row(headers: list[str], roles: list[str | None], cells: list[Token], category: Category,
         line: int, source: str, problems: list[Problem]) -> Row | None:
    values: dict[str, Token] = {}
    extra: dict[str, str] = {}
    columns: dict[str, int] = {}
    for position, (name, role, cell) in enumerate(zip(headers, roles, cells)):
        if role and role not in values:
            values[role] = cell
            columns[role] = position
        elif text := heading_text(cell):
            extra[name] = text
    title = heading_text(values["title"]) if "title" in values else ""
    if not title or title == "-":
        if any(heading_text(c) for c in cells):
            problems.append(Problem(source, line, "row has no title; skipped"))
        return None
    abbreviation = heading_text(values["abbreviation"]) if "abbreviation" in values else None
    publication = heading_text(values["publication"]) if "publication" in values else None
    venue_label, year = split_publication(publication)
    links = {}
    for role in ("paper", "code"):
        links[role], problem = cell_link(values[role]) if role in values else (None, None)
        if problem:
            problems.append(Problem(source, line, f"{role} {problem}"))
    return Row(
        category=category.slug,
        heading=category.heading,
        line=line,
        title=title,
        abbreviation=None if abbreviation in (None, "", "-") else abbreviation,
        publication=publication or None,
        venue_label=venue_label,
        label_year=year,
        paper_url=links["paper"],
        code_url=links["code"],
        extra=extra,
        columns=columns,
    )


def _cite_blocks(fence: Token, source: str, problems: list[Problem]) -> list[CiteBlock]:
    content = fence.content
    if fence.info.strip().lower() not in ("", "bibtex", "bib", "latex", "tex") or "@" not in content:
        return []
    first_line = (fence.map[0] + 2) if fence.map else 0
    library = bibtexparser.parse_string(content)
    for failed in library.failed_blocks:
        start = getattr(failed, "start_line", 0) or 0
        problems.append(Problem(source, first_line + start, "cite block is not valid BibTeX; skipped"))
    blocks = []
    for entry in library.entries:
        offset = content[: content.find(entry.key)].count("\n") if entry.key in content else 0
        fields = {f.key.lower(): re.sub(r"\s+", " ", str(f.value)).strip() for f in entry.fields}
        blocks.append(CiteBlock(entry.key, entry.entry_type.lower(), fields,
                                first_line + offset, entry.raw or ""))
    return blocks


class SourceError(RsbibError):
    """The list cannot be read: missing file, bad bytes, network failure."""


def load_source(spec: str | None, timeout: float = 30.0) -> tuple[str, str]:
    """Return (text, name) of the list: the embedded one, a file, or an http(s) URL."""
    if spec is None:
        return embedded_list_text(), EMBEDDED_LIST
    if re.match(r"^https?://", spec, re.IGNORECASE):
        import requests

        try:
            response = requests.get(spec, timeout=timeout)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise SourceError(f"{spec}: cannot fetch the list ({exc})") from exc
        return _decode(response.content, spec), spec
    try:
        with open(spec, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise SourceError(f"{spec}: cannot read the list ({exc.strerror or exc})") from exc
    return _decode(data, spec), spec


def _decode(data: bytes, name: str) -> str:
    """UTF-8 text; bytes that are not UTF-8 become U+FFFD and are reported by `parse`."""
    return data.decode("utf-8-sig", errors="replace")


def _bad_byte_problems(text: str, source: str) -> list[Problem]:
    return [Problem(source, n, "bytes that are not UTF-8 were replaced by \ufffd")
            for n, line in enumerate(text.splitlines(), 1) if "\ufffd" in line]
