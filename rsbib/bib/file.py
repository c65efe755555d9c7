"""Any user's .bib file, read for its entries and edited in place, span by span.

bibtexparser 2 (with no middleware) gives each block its raw text and start
line, and each field its value exactly as written. Edits change only the
text of the fields they name, in the entry's own layout; every other byte of
the file (comments, @strings, other entries, the user's formatting) stays.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock, Entry, ParsingFailedBlock, String
from pylatexenc.latex2text import LatexNodes2Text

from rsbib import RsbibError

# bibtexparser logs every broken block; the caller reports them itself, once, on stderr.
logging.getLogger("bibtexparser").setLevel(logging.ERROR)

MONTH_MACROS = {m: m.capitalize() for m in
                ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")}
_TO_TEXT = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


class BibError(RsbibError, ValueError):
    """The file cannot be read as BibTeX at all (str() is the one line to show)."""


@dataclass
class FieldSpan:
    """One field of an entry: its name as written and where its value sits in the entry's text."""

    name: str
    value: str  # as written: `{...}`, `"..."`, a number, a macro, or a `#` concatenation
    start: int  # offset of the name in the entry's raw text
    value_start: int
    value_end: int


@dataclass
class BibEntry:
    """One entry of the file, where it is, and what its fields say."""

    key: str
    entry_type: str
    line: int  # 1-based line of its `@`
    start: int  # offset of its raw text in the file
    raw: str
    fields: list[FieldSpan]
    strings: dict[str, str] = field(repr=False, default_factory=dict)

    def span(self, name: str) -> FieldSpan | None:
        wanted = name.lower()
        return next((f for f in self.fields if f.name.lower() == wanted), None)

    def raw_value(self, name: str) -> str | None:
        found = self.span(name)
        return found.value if found else None

    def text(self, name: str) -> str | None:
        """A field's value with its delimiters gone and @strings expanded; LaTeX left as is."""
        found = self.span(name)
        return expand(found.value, self.strings) if found else None

    def plain(self, name: str) -> str | None:
        """A field as plain Unicode text (LaTeX accents and braces gone), for matching."""
        value = self.text(name)
        if value is None:
            return None
        try:
            value = _TO_TEXT.latex_to_text(value)
        except Exception:  # pylatexenc gives up on some odd input; the raw text is still useful
            value = value.replace("{", "").replace("}", "")
        return " ".join(value.split())


@dataclass
class BibFile:
    text: str
    entries: list[BibEntry]
    problems: list[str]  # blocks kept as they are, and why


def _split_concatenation(value: str) -> list[str]:
    """The parts of `a # {b} # "c"`, splitting only on `#` outside braces and quotes."""
    parts: list[str] = []
    current: list[str] = []
    depth, quoted = 0, False
    for char in value:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return parts


def expand(value: str, strings: dict[str, str]) -> str:
    """A value as written -> its text: delimiters stripped, macros and `#` resolved."""
    out = []
    for part in _split_concatenation(value.strip()):
        if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
            out.append(part[1:-1])
        elif part.isdigit():
            out.append(part)
        else:
            out.append(strings.get(part.lower(), MONTH_MACROS.get(part.lower(), part)))
    return "".join(out)


def load(path: str) -> str:
    """The text of a .bib file ('-' is stdin), line endings as they are; BibError if unreadable."""
    import sys

    try:
        if path == "-":
            return sys.stdin.buffer.read().decode("utf-8")
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except UnicodeDecodeError as exc:
        raise BibError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except IsADirectoryError:
        raise BibError(f"{path}: is a directory; name a .bib file") from None
    except OSError as exc:
        raise BibError(f"{path}: cannot read ({(exc.strerror or str(exc)).lower()})") from None


def _field_spans(entry: Entry, raw: str) -> list[FieldSpan] | None:
    """Where each parsed field sits in the raw text; None when the text does not show them in order."""
    spans, position = [], raw.find(",", raw.find("{"))
    for f in entry.fields:
        pattern = re.compile(rf"(?<![\w-]){re.escape(f.key)}\s*=\s*", re.IGNORECASE)
        match = pattern.search(raw, position)
        if match is None or not raw.startswith(f.value, match.end()):
            return None
        end = match.end() + len(f.value)
        spans.append(FieldSpan(f.key, f.value, match.start(), match.end(), end))
        position = end
    return spans


def read(text: str, name: str) -> BibFile:
    """The entries of a .bib text, with their spans; broken blocks are named and left alone."""
    try:
        library = bibtexparser.parse_string(text, parse_stack=[])
    except Exception as exc:  # bibtexparser raises plain exceptions on input it cannot split
        raise BibError(f"{name}: cannot read as BibTeX ({exc})") from exc
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    strings: dict[str, str] = {}
    entries, problems = [], []
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, String):
            strings[block.key.lower()] = expand(block.value, strings)
            continue
        if isinstance(block, DuplicateBlockKeyBlock):
            problems.append(f"{name}:{line}: key {block.key!r} is used twice; this entry is left as it is")
            continue
        if isinstance(block, ParsingFailedBlock):
            problems.append(f"{name}:{line}: not valid BibTeX ({_reason(block)}); left as it is")
            continue
        if not isinstance(block, Entry):
            continue
        raw = block.raw or ""
        start = text.find(raw, line_starts[min(line - 1, len(line_starts) - 1)])
        spans = _field_spans(block, raw) if start >= 0 else None
        if spans is None:
            problems.append(f"{name}:{line}: entry {block.key!r} could not be located field by "
                            "field; left as it is")
            continue
        entries.append(BibEntry(block.key, block.entry_type.lower(), line, start, raw,
                                spans, strings))
    return BibFile(text, entries, problems)


def _reason(block: ParsingFailedBlock) -> str:
    if type(block).__name__ == "DuplicateFieldKeyBlock":
        return "a field is given twice"
    return str(block.error).strip() or "a brace or quote is not closed"


# -- editing ---------------------------------------------------------------------------


def braced(value: str, like: str | None = None) -> str:
    """A new value, delimited as the value it replaces was (braces by default)."""
    if like is not None and like.strip().isdigit() and value.isdigit():
        return value
    if like is not None and like.strip().startswith('"') and '"' not in value:
        return f'"{value}"'
    return "{" + value + "}"


def edit_entry(entry: BibEntry, new_type: str | None, changes: dict[str, str | None],
               renames: dict[str, str] | None = None) -> str:
    """The entry's text with `changes` made: a field set to a value (as written), or removed (None).

    Existing fields keep their name, place and layout; `renames` (old -> new
    name) put a new field in an old one's place (journal -> booktitle); other
    new fields go after the last one, laid out like it.
    """
    raw = entry.raw
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in the raw text
    added = []
    for old, new in (renames or {}).items():
        span = entry.span(old)
        if span is not None and changes.get(new) is not None and entry.span(new) is None:
            separator = raw[span.start + len(span.name):span.value_start]
            written = new.upper() if span.name.isupper() else new
            before, _, after = separator.partition("=")
            width = len(span.name) + len(before)  # keeps an aligned `=` where it was
            head = (written.ljust(width) if before and len(new) < width else written + before) \
                + "=" + after
            edits.append((span.start, span.value_end, head + str(changes[new])))
            changes = {k: v for k, v in changes.items() if k not in (old, new)}
    for name, value in changes.items():
        span = entry.span(name)
        if span is None:
            if value is not None:
                added.append((name, value))
        elif value is None:
            edits.append(_removal(raw, span))
        else:
            edits.append((span.value_start, span.value_end, value))
    if added:
        gone = {name.lower() for name, value in changes.items() if value is None}
        kept = [f for f in entry.fields if f.name.lower() not in gone] or entry.fields
        edits.append(_addition(entry, kept, added))
    if new_type and new_type != entry.entry_type:
        at = raw.index("@") + 1
        written = raw[at:at + len(entry.entry_type)]
        edits.append((at, at + len(written), new_type.upper() if written.isupper() else new_type))
    for start, end, replacement in sorted(edits, reverse=True):
        raw = raw[:start] + replacement + raw[end:]
    return raw


def _removal(raw: str, span: FieldSpan) -> tuple[int, int, str]:
    """The text of one field, its comma, and its line when it is alone on it."""
    end = span.value_end
    rest = re.match(r"\s*,", raw[end:])
    if rest:
        end += rest.end()
    line_start = raw.rfind("\n", 0, span.start) + 1
    tail = re.match(r"[ \t]*\r?\n", raw[end:])
    if raw[line_start:span.start].strip() == "" and tail:
        return line_start, end + tail.end(), ""
    if not rest:  # the last field, written without a trailing comma: take the comma before it
        comma = raw.rfind(",", 0, span.start)
        if comma >= 0 and raw[comma + 1:span.start].strip() == "":
            return comma, end, ""
    spaces = re.match(r"[ \t]*", raw[end:])
    return span.start, end + (spaces.end() if spaces else 0), ""


def _addition(entry: BibEntry, kept: list[FieldSpan],
              added: list[tuple[str, str]]) -> tuple[int, int, str]:
    """New fields after the last kept one, with its indent and ` = ` (aligned if the entry is)."""
    raw = entry.raw
    newline = "\r\n" if "\r\n" in raw else "\n"
    if not kept:
        at = len(raw.rstrip()[:-1].rstrip())  # before the closing brace
        return at, at, "".join(f",{newline}  {n} = {v}" for n, v in added)
    last = kept[-1]
    line_start = raw.rfind("\n", 0, last.start) + 1
    own_line = raw[line_start:last.start].strip() == ""
    indent = raw[line_start:last.start] if own_line else ""
    separator = raw[last.start + len(last.name):last.value_start]
    after_equals = separator.split("=", 1)[1]
    columns = {f.value_start - (raw.rfind("\n", 0, f.start) + 1) for f in entry.fields}
    equals_at = columns.pop() - 1 - len(after_equals) if len(columns) == 1 else 0
    shouting = all(f.name.isupper() for f in entry.fields)  # `TITLE = ...`: new names alike
    lines = []
    for name, value in added:
        head = indent + (name.upper() if shouting else name)
        if own_line and len(entry.fields) > 1 and len(head) < equals_at:
            lines.append(head.ljust(equals_at) + "=" + after_equals + value)
        else:
            lines.append(head + separator + value)
    joiner = "," + newline if own_line else ", "
    comma = re.match(r"\s*,", raw[last.value_end:])
    if comma:  # a trailing comma already: the new fields follow it, and keep one themselves
        at = last.value_end + comma.end()
        return at, at, (newline if own_line else " ") + joiner.join(lines) + ","
    return last.value_end, last.value_end, joiner + joiner.join(lines)


def rewrite(bib: BibFile, replaced: dict[int, str]) -> str:
    """The file's text with the entries at these offsets replaced; every other byte kept."""
    text, out, position = bib.text, [], 0
    for entry in sorted((e for e in bib.entries if e.start in replaced), key=lambda e: e.start):
        out.append(text[position:entry.start])
        out.append(replaced[entry.start])
        position = entry.start + len(entry.raw)
    out.append(text[position:])
    return "".join(out)
