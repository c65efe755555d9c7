"""Citation keys: `guo2023skysense` style, ASCII, unique case-insensitively, never moved."""

from __future__ import annotations

import re
from collections.abc import Iterable

from unidecode import unidecode

STOPWORDS = {
    "a", "an", "the", "on", "of", "for", "in", "to", "toward", "towards", "and", "with",
    "via", "from", "by", "at", "is", "are", "do", "does", "what", "how", "when", "why",
    "can", "we", "you", "your", "our", "it", "its", "into", "over", "beyond", "as",
}
_SUFFIXES = "abcdefghijklmnopqrstuvwxyz"


def ascii_word(text: str) -> str:
    """Lower-case ASCII letters and digits only: "Mañas" -> "manas"."""
    return re.sub(r"[^a-z0-9]", "", unidecode(text).lower())


def first_significant_word(title: str) -> str:
    """The first title word that is not a stop word, folded to ASCII ("SkySense:" -> "skysense")."""
    for word in re.split(r"[\s:;,.!?/()\[\]{}\"'“”‘’]+", unidecode(title)):
        folded = ascii_word(word)
        if folded and folded not in STOPWORDS:
            return folded
    return "untitled"


def base_key(family: str | None, year: int | None, title: str) -> str:
    """First author's family name, year, first significant title word."""
    who = ascii_word(family or "") or "anon"
    return f"{who}{year or ''}{first_significant_word(title)}"


def unique_key(base: str, taken: Iterable[str]) -> str:
    """`base` itself when free, else base+a, base+b, ... (compared case-insensitively)."""
    used = {k.casefold() for k in taken}
    if base.casefold() not in used:
        return base
    for suffix in _suffixes():
        candidate = base + suffix
        if candidate.casefold() not in used:
            return candidate
    raise AssertionError("unreachable: the suffix sequence is infinite")


def _suffixes():
    size = 1
    while True:
        for n in range(len(_SUFFIXES) ** size):
            letters, rest = "", n
            for _ in range(size):
                letters = _SUFFIXES[rest % 26] + letters
                rest //= 26
            yield letters
        size += 1


_VALID = re.compile(r"^[A-Za-z0-9_:.\-+/]+$")


def is_valid_key(key: str) -> bool:
    """Keys that BibTeX, biber and every reference manager accept unchanged."""
    return bool(_VALID.match(key))
