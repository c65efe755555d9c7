"""A work's authors as one string, "Family, Given and Family, Given" (BibTeX's form): read and written here.

`works.authors`, `rsbib pin --set authors=...` and the papers table hold
this form; the ordered `authors` rows are the same names one by one. An
author list known to be incomplete ends with BibTeX's own mark, " and others"
(the `authors` rows hold only the names). Sources write that mark their own
ways: Crossref deposits with an author "et al." or "al. et" (WDscholia/scholia#2722),
arXiv author lists ending in "et al."; `known_authors` reads them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rsbib.metadata.records import Author

SEPARATOR = " and "
OTHERS = "others"  # BibTeX's name for the authors not named
_MARKS = {"others", "and others", "et al", "al et", "et alii", "et alia", "等", "等人"}


def is_others(author: Author) -> bool:
    """Whether this "author" only says that there are more authors ("et al.", "others")."""
    words = re.sub(r"[.,;]", " ", f"{author.given} {author.family}").split()
    return " ".join(words).casefold() in _MARKS


def known_authors(authors: Iterable[Author]) -> tuple[list[Author], bool]:
    """The named authors, and whether the list said there are more (never for an empty list)."""
    given = list(authors)
    named = [a for a in given if not is_others(a)]
    return named, bool(named) and len(named) < len(given)


def join_authors(authors: Iterable[Author], incomplete: bool = False) -> str:
    """The authors as one string ("" for none), ending " and others" when there are more."""
    names = [a.name for a in authors]
    return SEPARATOR.join(names + [OTHERS] if incomplete and names else names)


def split_authors(text: str | None) -> list[Author]:
    """The named authors of one string, in order (none for an empty or missing one)."""
    return known_authors(Author.parse(name) for name in text.split(SEPARATOR))[0] if text else []


def authors_incomplete(text: str | None) -> bool:
    """Whether an authors string says there are more authors than it names (its last is "others")."""
    names = text.rsplit(SEPARATOR, 1) if text else []
    return len(names) == 2 and is_others(Author.parse(names[1])) and not is_others(Author.parse(names[0]))
