"""Citation keys: `guo2023skysense` style, ASCII, unique case-insensitively, never moved."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rsbib.metadata.translit import to_ascii

STOPWORDS = {
    "a", "an", "the", "on", "of", "for", "in", "to", "toward", "towards", "and", "with",
    "via", "from", "by", "at", "is", "are", "do", "does", "what", "how", "when", "why",
    "can", "we", "you", "your", "our", "it", "its", "into", "over", "beyond", "as",
}
_SUFFIXES = "abcdefghijklmnopqrstuvwxyz"


def ascii_word(text: str) -> str:
    """Lower-case ASCII letters and digits only: "Mañas" -> "manas"."""
    return re.sub(r"[^a-z0-9]", "", to_ascii(text).lower())


def first_significant_word(title: str) -> str:
    """The first title word that is not a stop word, folded to ASCII ("SkySense:" -> "skysense").

    Chinese is read as pinyin by word ("遥感大模型" -> "yaogan").
    """
    for word in re.split(r"[\s:;,.!?/()\[\]{}\"'“”‘’]+", to_ascii(title)):
        folded = ascii_word(word)
        if folded and folded not in STOPWORDS:
            return folded
    return "untitled"


def base_key(family: str | None, year: int | None, title: str) -> str:
    """First author's family name, year, first significant title word."""
    who = ascii_word(family or "") or "anon"
    return f"{who}{year or ''}{first_significant_word(title)}"


class KeySet:
    """Keys in use, compared case-insensitively (BibTeX treats keys so)."""

    def __init__(self, keys: Iterable[str] = ()):
        self._folded = {k.casefold() for k in keys}

    def __contains__(self, key: str) -> bool:
        return key.casefold() in self._folded

    def claim(self, base: str) -> str:
        """`base` itself when free, else base+a, base+b, ...; the key returned is taken."""
        key = base
        if key in self:
            key = next(base + s for s in _suffixes() if base + s not in self)
        self._folded.add(key.casefold())
        return key


def unique_key(base: str, taken: Iterable[str]) -> str:
    """The key `KeySet(taken).claim(base)` would give."""
    return KeySet(taken).claim(base)


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
