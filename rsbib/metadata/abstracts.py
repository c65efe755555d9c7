"""Abstracts as plain text: Crossref sends them in JATS XML (`<jats:p>`, `<jats:italic>`, ...)."""

from __future__ import annotations

import html
import re

# A leading "Abstract" heading (<jats:title>Abstract</jats:title>) says nothing about the paper.
_HEADING = re.compile(r"^\s*<(?:jats:)?title[^>]*>\s*abstract\s*</(?:jats:)?title>", re.IGNORECASE)
_BREAK = re.compile(r"</?(?:jats:)?(?:p|sec|title|list-item|break)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def from_jats(text: str | None) -> str | None:
    """The words of a JATS (or HTML) abstract: tags dropped, entities decoded, spaces collapsed."""
    if not text:
        return None
    text = _HEADING.sub(" ", text)
    text = _TAG.sub("", _BREAK.sub(" ", text))
    return " ".join(html.unescape(text).split()) or None
