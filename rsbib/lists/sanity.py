"""Is this source a markdown list at all? Refuse binaries, SQLite files, HTML pages and row-less text."""

from __future__ import annotations

import re

from rsbib import RsbibError
from rsbib.lists.parse import ParsedList

NOT_UTF8_SHARE = 0.01  # above this share of replaced characters the text is no list


class NotAList(RsbibError):
    """The source is not a markdown list of papers; nothing is written."""


def refuse_unusable(text: str, name: str, parsed: ParsedList) -> None:
    """Raise NotAList naming the file and what was found in it."""
    head = text.lstrip("\ufeff \t\r\n")[:200].lower()
    if text.startswith("SQLite format 3\x00"):
        found = "an SQLite file (a library?), not a markdown list"
    elif "\x00" in text:
        found = "binary data, not a markdown list"
    elif text and text.count("\ufffd") > NOT_UTF8_SHARE * len(text):
        found = f"{text.count(chr(0xfffd))} bytes that are not UTF-8: binary, not a markdown list"
    elif re.match(r"<(!doctype html|html|head|body)\b", head):
        found = "an HTML page, not a markdown list (a raw link gives the markdown)"
    elif not parsed.rows:
        found = ("no rows (no markdown table with a Title column)" if text.strip()
                 else "an empty file")
    else:
        return
    raise NotAList(f"{name}: {found}; nothing written")
