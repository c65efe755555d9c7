"""Latin-script stand-ins for text pdflatex cannot set, made with a library for each script.

Chinese becomes Hanyu Pinyin with tone marks, one word per group of characters
(jieba segments, pypinyin reads: "遥感学报" -> "yáogǎn xuébào"). Other
letters are folded to their base letter ("Mañas" -> "Manas"). Both libraries
are MIT-licensed; jieba loads its dictionary (~1 s) only when Chinese text appears.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Letters NFKD does not decompose into a base letter plus marks.
_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O",
                       "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th", "ı": "i"})
# Full-width punctuation of CJK text, as its ASCII counterpart.
_PUNCT = str.maketrans({"：": ": ", "，": ", ", "、": ", ", "。": ". ", "；": "; ", "（": " (",
                        "）": ") ", "！": "! ", "？": "? ", "《": '"', "》": '"', "—": "--"})


def has_han(text: str) -> bool:
    return bool(_HAN.search(text or ""))


@functools.lru_cache(maxsize=1)
def _segmenter():
    import jieba

    # jieba logs its start-up, and a traceback when it cannot cache its dictionary
    # in the temp folder (harmless: it then loads from the package); neither is ours to show.
    jieba.setLogLevel(logging.CRITICAL)
    return jieba


def pinyin(text: str, tones: bool = True) -> str:
    """Chinese characters as pinyin, one word per segment; other characters as they are."""
    from pypinyin import Style, lazy_pinyin

    style = Style.TONE if tones else Style.NORMAL

    def words(match: re.Match) -> str:
        segments = _segmenter().lcut(match.group(0))
        return " " + " ".join("".join(lazy_pinyin(s, style=style)) for s in segments) + " "

    return _HAN.sub(words, text)


def fold(text: str) -> str:
    """Accented and special Latin letters as their base letters; other non-ASCII dropped."""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in text if c.isascii())


def to_latin(text: str, tones: bool = True) -> str:
    """Text pdflatex can set: pinyin for Chinese, punctuation made ASCII, tidy spacing."""
    text = pinyin(text, tones).translate(_PUNCT) if has_han(text) else text
    text = re.sub(r"\s+([,.:;!?)])", r"\1", " ".join(text.split()))
    text = re.sub(r"\(\s+", "(", text)
    return text[:1].upper() + text[1:]


def to_ascii(text: str) -> str:
    """Plain ASCII (for keys and comparisons): toneless pinyin, folded letters."""
    return fold(to_latin(text, tones=False) if has_han(text) else text)
