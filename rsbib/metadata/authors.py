"""A work's authors as one string, "Family, Given and Family, Given" (BibTeX's form): read and written here.

`works.authors`, `rsbib pin --set authors=...` and the papers table hold
this form; the ordered `authors` rows are the same names one by one.
"""

from __future__ import annotations

from collections.abc import Iterable

from rsbib.metadata.records import Author

SEPARATOR = " and "


def join_authors(authors: Iterable[Author]) -> str:
    """The authors as one string ("" for none)."""
    return SEPARATOR.join(a.name for a in authors)


def split_authors(text: str | None) -> list[Author]:
    """The authors of one string, in order (none for an empty or missing one)."""
    return [Author.parse(name) for name in text.split(SEPARATOR)] if text else []
