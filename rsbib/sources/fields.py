"""What a service's answer holds, as the text of the right kind a stored field must be.

Real answers put a title in a list (Crossref), an object (`{"@ee": ..., "text": ...}`,
older DBLP answers), or a plain string, with JATS, HTML or MathML markup and
HTML entities inside; a year may be a string or a number; a venue may be a
list. These helpers turn each into plain text or a number, or None.
"""

from __future__ import annotations

import html
import re
from typing import Any

from rsbib.metadata.identifiers import publication_doi

# A tag of JATS (<jats:italic>), HTML (<i>, <sub>) or MathML (<mml:mi>): a name right after "<".
_TAG = re.compile(r"</?[A-Za-z][\w.-]*(?::[\w.-]+)?(?:\s[^<>]*)?/?>")


def first(value: Any) -> Any:
    """The first item of a list (Crossref's one-item lists), else the value itself."""
    if isinstance(value, list):
        return next((v for v in value if v not in (None, "", [], {})), None)
    return value


def text(value: Any) -> str | None:
    """Plain text of a field: markup and entities gone, spaces collapsed; None when empty.

    An object gives its `text` (DBLP's `{"@ee": ..., "text": ...}`); a list its first item.
    """
    value = first(value)
    if isinstance(value, dict):
        value = value.get("text") or value.get("#text") or value.get("value")
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    plain = html.unescape(_TAG.sub("", html.unescape(str(value))))
    plain = " ".join(plain.split())
    return plain or None


def texts(value: Any) -> list[str]:
    """Every item of a field that may be one item or a list, as plain text."""
    items = value if isinstance(value, list) else [value]
    return [t for t in (text(v) for v in items) if t]


def year(value: Any) -> int | None:
    """A year as a number (from 2003, "2003" or "2003-05"), None when there is none."""
    value = first(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if 1000 <= value <= 2999 else None
    match = re.match(r"\s*(\d{4})\b", str(value))
    return int(match.group(1)) if match else None


def doi(value: Any) -> str | None:
    """A DOI in DOI form (10.prefix/suffix, lower-case), None for anything else."""
    plain = text(value)
    found = publication_doi(plain) if plain else None
    return found if found and re.match(r"^10\.\d{4,9}/\S+$", found) else None
