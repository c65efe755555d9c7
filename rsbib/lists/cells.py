"""Rewrite single cells of a markdown table in place: every other byte of the list stays as it was."""

from __future__ import annotations

from dataclasses import dataclass

from rsbib.lists.parse import cell_spans


@dataclass
class Edit:
    line: int  # 1-based line of the row
    column: int  # 0-based cell position
    old: str  # the text to replace inside the cell (a title, a label, a URL)
    new: str


def cell_text(line: str, column: int) -> str | None:
    spans = cell_spans(line)
    if column >= len(spans):
        return None
    start, end = spans[column]
    return line[start:end].strip()


def apply(text: str, edits: list[Edit]) -> tuple[str, list[Edit], list[str]]:
    """The list with `edits` made, the edits made, and why the others could not be.

    An edit replaces `old` inside its cell only, so markup around it (bold,
    link text, padding) is kept; a cell where `old` cannot be found is left
    alone and reported.
    """
    lines = text.splitlines(keepends=True)
    done, problems = [], []
    for edit in sorted(edits, key=lambda e: (e.line, -e.column)):
        line = lines[edit.line - 1]
        spans = cell_spans(line)
        if edit.column >= len(spans):
            problems.append(f"line {edit.line}: no cell {edit.column + 1}")
            continue
        start, end = spans[edit.column]
        cell = line[start:end]
        old = edit.old.replace("|", "\\|")
        if cell.count(old) != 1:
            problems.append(f"line {edit.line}: {edit.old!r} not found once in its cell")
            continue
        new = edit.new.replace("|", "\\|")
        lines[edit.line - 1] = line[:start] + cell.replace(old, new) + line[end:]
        done.append(edit)
    return "".join(lines), done, problems


def insert_line(text: str, index: int, line: str) -> str:
    """`text` with `line` inserted before its line `index` (0-based); no other byte changes.

    The new line ends like the line above it (LF or CRLF). After a last line
    with no newline, the newline goes before the new line, which then ends
    the file without one, as the file did.
    """
    lines = text.split("\n")  # markdown's lines: only LF ends one (CR stays with its line)
    lines = [f"{piece}\n" for piece in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    above = lines[index - 1] if 0 < index <= len(lines) else ""
    body = above.rstrip("\r\n")
    newline = above[len(body):] or ("\r\n" if "\r\n" in text else "\n")
    if above and above == body:
        lines[index - 1] = above + newline
        newline = ""
    lines.insert(index, line + newline)
    return "".join(lines)
