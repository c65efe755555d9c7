"""The markdown tokens of a list, as markdown-it gives them, without tokenizing every table row with it.

markdown-it-py takes about half a millisecond a row (20,000 rows: 12 s). A GFM
table row that starts with `|` never ends its table (no block rule starts with
`|`), so after a table's first body row the following `|` rows are taken out
before markdown-it reads the text, split into cells as its table rule splits
them, and put back into the token stream, their cells' inline markup read
directly when it is plain text, bold plain text or one plain link (markdown-it
for anything else). The result is the stream markdown-it gives for the whole
text (tests/test_awesome.py compares them); when a table's place is not what
the rows' removal assumed (a table in a fence, a list or a quote), the whole
text goes to markdown-it instead.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import re
from collections.abc import Callable
from typing import Any, Literal, ParamSpec, TypeVar

from markdown_it import MarkdownIt
from markdown_it.common.utils import mdTrim
from markdown_it.rules_block.table import MAX_AUTOCOMPLETED_CELLS, escapedSplit
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

P = ParamSpec("P")
R = TypeVar("R")
_DELIMITER = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_MARKUP = re.compile(r"[\\`*_\[\]!<&~\n]")  # where an inline rule of markdown-it may start
_BOLD = re.compile(r"\*\*([^\s\\`*_\[\]!<&~](?:[^\\`*_\[\]!<&~\n]*[^\s\\`*_\[\]!<&~])?)\*\*")
# A URL markdown-it's normalizeLink leaves as it is (lower-case host, no %, only characters it keeps).
_PLAIN_URL = re.compile(r"https?://[a-z0-9.-]+(?:[/?#][A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]*)?")
_LINK = re.compile(r"\[([^\\`*_\[\]!<&~\n]+)\]\(([^\s()<>\\\"'&`]+)\)")


def markdown() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def gc_paused(func: Callable[P, R]) -> Callable[P, R]:
    """`func` runs with the cyclic garbage collector paused.

    For work that makes hundreds of thousands of objects and no cycles (the tokens of a long list,
    its rows, the records stored from them): the collector's passes over them took two thirds
    of the time. Memory is still freed as usual (by reference counts).
    """
    @functools.wraps(func)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused


@gc_paused
def tokens(text: str) -> list[Token]:
    """`markdown().parse(text)`, in a fraction of the time for long tables."""
    md = markdown()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd").split("\n")
    taken = _rows_to_take(lines)
    if not taken:
        return md.parse(text)
    kept = [n for n in range(len(lines)) if n not in taken]
    env: dict[str, Any] = {}
    found = md.parse("\n".join(lines[n] for n in kept), env)
    stream = _put_back(md, env, found, kept, lines, taken, len(lines))
    return stream if stream is not None else md.parse(text)


def _rows_to_take(lines: list[str]) -> dict[int, int]:
    """Line -> the table's first body line, for the rows after each table's first body row."""
    taken: dict[int, int] = {}
    n = 0
    while n + 2 < len(lines):
        if lines[n].startswith("|") and _DELIMITER.match(lines[n + 1]) and lines[n + 2].startswith("|"):
            first, n = n + 2, n + 3
            while n < len(lines) and lines[n].startswith("|") and lines[n].strip():
                taken[n] = first
                n += 1
        else:
            n += 1
    return taken


def _put_back(md: MarkdownIt, env: dict[str, Any], found: list[Token], kept: list[int], lines: list[str],
              taken: dict[int, int], total: int) -> list[Token] | None:
    """The stream of the whole text: maps in its lines, the taken rows back in their tables; None
    when a table is not where the taking assumed."""
    firsts: dict[int, list[int]] = {}
    for n, first in taken.items():
        firsts.setdefault(first, []).append(n)
    stream: list[Token] = []
    slow: list[Token] = []
    tables: list[Token] = []
    row_at = 0
    for tok in found:
        if tok.map:
            start, end = tok.map
            tok.map = [kept[start], (kept[end] if end < len(kept) else end + total - len(kept))
                       if tok.type in ("table_open", "tbody_open") else kept[end - 1] + 1]
        if tok.type == "tr_open":
            row_at = len(stream)
        stream.append(tok)
        if tok.type == "table_open":
            tables.append(tok)
        if tok.type == "tr_close" and stream[-2].type == "td_close":
            where = stream[row_at].map
            first = where[0] if where else -1
            rows = firsts.pop(first, [])
            if rows and (tok.level != 2 or tables[-1].level != 0):
                return None  # a table inside a list or a quote: its rows may end it
            # The row's own tokens are the pattern of the rows put back; those with no place of
            # their own (cell openers and closers, the row's closer) are shared with it.
            pattern = stream[row_at:]
            deficit = len(pattern) // 3 - len(_cells(lines[first])) if rows else 0
            for n in rows:
                columns = _cells(lines[n])
                deficit += len(pattern) // 3 - len(columns)
                stream += _row(n, columns, pattern, slow)
            if deficit > MAX_AUTOCOMPLETED_CELLS:
                return None  # the table rule would have ended this table early
    if firsts:
        return None  # a "table" markdown-it did not see as one (in a fence, an HTML block...)
    if slow:
        state = StateCore("", md, env)
        state.tokens = slow
        for rule in md.core.ruler.getRules("")[2:]:  # after normalize and block: inline, ..., text_join
            rule(state)
    return stream


def _cells(line: str) -> list[str]:
    """The cells of a row as the table rule cuts them (`\\|` is a pipe inside a cell)."""
    line = mdTrim(line)
    columns = escapedSplit(line) if "\\" in line else line.split("|")
    if columns and columns[0] == "":
        columns.pop(0)
    if columns and columns[-1] == "":
        columns.pop()
    return columns


def _row(n: int, columns: list[str], pattern: list[Token], slow: list[Token]) -> list[Token]:
    """The tokens of body row `n` after `pattern` (the table's first body row), cells cut or filled
    to the header's number as the table rule does."""
    opening = _token("tr_open", "tr", 1, map=[n, n + 1], level=pattern[0].level, block=True)
    out = [opening]
    for i in range(1, len(pattern) - 1, 3):
        column = i // 3
        content = mdTrim(columns[column]) if column < len(columns) and columns[column] else ""
        children = _inline(content)
        inline = _token("inline", "", 0, map=[n, n + 1], level=pattern[i + 1].level, content=content,
                        children=children if children is not None else [], block=True)
        if children is None:
            slow.append(inline)
        out += [pattern[i], inline, pattern[i + 2]]
    out.append(pattern[-1])
    return out


def _inline(content: str) -> list[Token] | None:
    """A cell's inline tokens when it is plain, bold or one plain link; None: markdown-it reads it.

    Tokens that are the same in every cell (an empty text, a closing tag) are shared.
    """
    if not _MARKUP.search(content):
        return [_token("text", "", 0, content=content)] if content else []
    if bold := _BOLD.fullmatch(content):
        return [_EMPTY, _STRONG_OPEN, _token("text", "", 0, level=1, content=bold.group(1)), _STRONG_CLOSE, _EMPTY]
    if link := _LINK.fullmatch(content):
        url = link.group(2)
        href = url if _PLAIN_URL.fullmatch(url) else _MD.normalizeLink(url)
        if not _MD.validateLink(href):
            return None
        return [_token("link_open", "a", 1, attrs={"href": href}),
                _token("text", "", 0, level=1, content=link.group(1)), _LINK_CLOSE]
    return None


# The fields of markdown-it-py's Token, all of which _token sets.
_FIELDS = ("type", "tag", "nesting", "attrs", "map", "level", "children", "content", "markup", "info", "meta",
           "block", "hidden")
_FAST = tuple(f.name for f in dataclasses.fields(Token)) == _FIELDS


def _token(type: str, tag: str, nesting: Literal[-1, 0, 1], *, content: str = "", level: int = 0,
           map: list[int] | None = None, children: list[Token] | None = None, block: bool = False,
           attrs: dict[str, str | int | float] | None = None) -> Token:
    """`Token(...)` with these values (and a dict of its own for attrs and meta), in half the time.

    Token's generated __init__ fills every default and converts `attrs`; here each field is set
    once, as given. A markdown-it-py whose Token has other fields gets its own constructor.
    """
    if not _FAST:
        return Token(type, tag, nesting, attrs=attrs or {}, map=map, level=level, children=children,
                     content=content, block=block)
    tok: Token = object.__new__(Token)
    tok.type, tok.tag, tok.nesting, tok.attrs, tok.map, tok.level = type, tag, nesting, attrs or {}, map, level
    tok.children, tok.content, tok.markup, tok.info, tok.meta = children, content, "", "", {}
    tok.block = block
    tok.hidden = False
    return tok


_MD = markdown()
_EMPTY = Token("text", "", 0)  # what emphasis leaves of its delimiters, as markdown-it does
_STRONG_OPEN = Token("strong_open", "strong", 1, markup="**")
_STRONG_CLOSE = Token("strong_close", "strong", -1, markup="**")
_LINK_CLOSE = Token("link_close", "a", -1)
