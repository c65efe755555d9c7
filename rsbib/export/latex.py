"""Text for BibTeX fields that LaTeX sets: specials escaped, accents as commands, capitals kept.

bibtexparser writes values as given and escapes nothing, so everything a
field needs happens here.
"""

from __future__ import annotations

import re
import unicodedata

from pylatexenc.latexencode import UnicodeToLatexEncoder
from unidecode import unidecode

# Braces are escaped as text commands: BibTeX counts \{ and \} as braces and
# rejects an unbalanced field even when they are escaped.
SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
    "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_SPECIAL = re.compile("|".join(re.escape(c) for c in SPECIALS))
_ENCODER = UnicodeToLatexEncoder(non_ascii_only=True, replacement_latex_protection="braces-all",
                                 unknown_char_policy="keep", unknown_char_warning=False)


def clean_text(text: str) -> str:
    """One line, no control characters (a newline in a title never reaches the .bib file)."""
    if not text.isprintable():
        text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    return " ".join(text.split())


def escape(text: str, ascii_only: bool = True) -> str:
    """LaTeX-safe text: specials escaped; with `ascii_only`, accented letters as commands."""
    text = _SPECIAL.sub(lambda m: SPECIALS[m.group(0)], clean_text(text))
    return _ENCODER.unicode_to_latex(text) if ascii_only and not text.isascii() else text


def unsettable(text: str) -> bool:
    """True when pdflatex cannot set some character of `text` (CJK, emoji...)."""
    return not text.isascii() and any(ord(c) > 127 and not _ENCODER.unicode_to_latex(c).isascii() for c in text)


def transliterate(text: str) -> str:
    """An ASCII stand-in for text pdflatex cannot set (Chinese -> pinyin)."""
    text = unidecode(text).replace(" ,", ",").replace(" :", ":").replace(":", ": ")
    return " ".join(text.split())


def _needs_protection(word: str) -> bool:
    """Acronyms and mixed case (SAR, SkySense, ViT) must keep their capitals in every style."""
    letters = [c for c in word if c.isalpha()]
    return any(c.isupper() for c in letters[1:]) or (
        any(c.isdigit() for c in word) and any(c.isupper() for c in letters))


def protect_title(title: str, ascii_only: bool = True) -> str:
    """Escape a title and brace the words whose capitals styles must not lower-case.

    "CNN-Transformer Hybrid for SAR" -> "{CNN}-{Transformer} Hybrid for {SAR}".
    """
    words = []
    for word in clean_text(title).split(" "):
        parts = word.split("-")
        if any(_needs_protection(p) for p in parts):
            words.append("-".join(_brace(p, ascii_only) for p in parts))
        else:
            words.append(escape(word, ascii_only))
    return " ".join(words)


def _brace(part: str, ascii_only: bool) -> str:
    """Brace the letters of one part of a protected word, leaving punctuation outside."""
    lead, core, trail = re.match(r"^(\W*)(.*?)(\W*)$", part).groups()
    if core and core[0].isalpha() and (_needs_protection(core) or core[0].isupper()):
        return escape(lead, ascii_only) + "{" + escape(core, ascii_only) + "}" + escape(trail, ascii_only)
    return escape(part, ascii_only)


def balanced(value: str) -> bool:
    """BibTeX's own rule: braces balance, counting escaped ones too."""
    if "{" not in value and "}" not in value:
        return True
    depth = 0
    for char in value:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0
