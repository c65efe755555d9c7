"""Text for BibTeX fields that LaTeX sets: specials escaped, accents as commands, capitals kept.

bibtexparser writes values as given and escapes nothing, so everything a
field needs happens here.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from importlib import resources

from pylatexenc.latexencode import UnicodeToLatexEncoder

from rsbib.metadata.translit import to_latin

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


# Pinyin's third tone (caron) and ü tones, which pylatexenc leaves as they are.
_PINYIN = {"ǎ": r"{\v{a}}", "ě": r"{\v{e}}", "ǐ": r"{\v{\i}}", "ǒ": r"{\v{o}}", "ǔ": r"{\v{u}}",
           "Ǎ": r"{\v{A}}", "Ě": r"{\v{E}}", "Ǐ": r"{\v{I}}", "Ǒ": r"{\v{O}}", "Ǔ": r"{\v{U}}",
           "ǖ": r"{\={\"u}}", "ǘ": r"{\'{\"u}}", "ǚ": r"{\v{\"u}}", "ǜ": r"{\`{\"u}}"}
_PINYIN_CHAR = re.compile("|".join(_PINYIN))
# pylatexenc puts a macron, tilde or breve over a dotted i ("{\={i}}" prints ī with its dot):
# the accent goes over the dotless \i, as it does for í and ì.
_DOTTED_I = re.compile(r"\{\\([=~u])\{i\}\}")


def clean_text(text: str) -> str:
    """One line, no control characters (a newline in a title never reaches the .bib file)."""
    if not text.isprintable():
        text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    return " ".join(text.split())


def escape(text: str, ascii_only: bool = True) -> str:
    """LaTeX-safe text: specials escaped; with `ascii_only`, accented letters as commands."""
    text = _SPECIAL.sub(lambda m: SPECIALS[m.group(0)], clean_text(text))
    if not ascii_only or text.isascii():
        return text
    encoded = _DOTTED_I.sub(r"{\\\1\\i}", _ENCODER.unicode_to_latex(text))
    return _PINYIN_CHAR.sub(lambda m: _PINYIN[m.group(0)], encoded)


def unsettable(text: str) -> bool:
    """True when pdflatex cannot set some character of `text` (CJK, emoji...)."""
    return not text.isascii() and any(ord(c) > 127 and not _ENCODER.unicode_to_latex(c).isascii() for c in text)


def transliterate(text: str) -> str:
    """A stand-in pdflatex can set for text it cannot (Chinese -> pinyin by word, with tones)."""
    return to_latin(clean_text(text))


@functools.lru_cache(maxsize=1)
def proper_nouns() -> frozenset[str]:
    """The field's proper nouns (rsbib/data/proper_nouns.txt), as they are capitalised."""
    text = resources.files("rsbib.data").joinpath("proper_nouns.txt").read_text("utf-8")
    return frozenset(w for line in text.splitlines() if (w := line.split("#")[0].strip()))


def _needs_protection(word: str) -> bool:
    """Acronyms and mixed case (SAR, SkySense, ViT) must keep their capitals in every style."""
    letters = [c for c in word if c.isalpha()]
    return any(c.isupper() for c in letters[1:]) or (
        any(c.isdigit() for c in word) and any(c.isupper() for c in letters))


_EDGES = re.compile(r"^\W+|\W+$")
_PART = re.compile(r"^(\W*)(.*?)(\W*)$")
_JOINERS = re.compile(r"([-/])")


def _core(part: str) -> str:
    return _EDGES.sub("", part)


def _sentence_case(words: list[str]) -> bool:
    """True when a title is in sentence case: most longer words after the first are lower case."""
    tail = [c for w in words[1:] if len(c := _core(w)) > 3 and c.isalpha()]
    return bool(tail) and sum(c[0].isupper() for c in tail) * 3 <= len(tail)


def protect_title(title: str, ascii_only: bool = True) -> str:
    """Escape a title and brace the words whose capitals styles must not lower-case.

    Acronyms, mixed case, the field's proper nouns ("Sentinel-1/2", "Earth") and,
    in a title written in sentence case, every capitalised word after the first:
    "CNN-Transformer Hybrid for SAR" -> "{CNN}-{Transformer} Hybrid for {SAR}".
    """
    return mark_capitals(title, lambda text: escape(text, ascii_only),
                         lambda core: "{" + escape(core, ascii_only) + "}")


def mark_capitals(title: str, plain: Callable[[str], str], keep: Callable[[str], str]) -> str:
    """The title with each word-part whose capitals must stay passed through `keep`, the rest through `plain`.

    BibTeX keeps them with braces, CSL with `<span class="nocase">` (the same words for both).
    """
    words = clean_text(title).split(" ")
    nouns = proper_nouns()
    sentence = _sentence_case(words)
    out: list[str] = []
    run: list[str] = []  # words with no capital to keep, passed on together (most words)
    for n, word in enumerate(words):
        if word.lower() != word:
            after_colon = n == 0 or words[n - 1].endswith((":", ".", "?", "!", "-", "\u2013", "\u2014"))
            parts = _JOINERS.split(word)

            def kept(part: str, after_colon: bool = after_colon) -> bool:
                core = _core(part)
                return bool(core) and core[0].isalpha() and (
                    _needs_protection(core) or core in nouns
                    or (sentence and not after_colon and core[0].isupper()))

            if any(kept(p) for p in parts[::2]):
                if run:
                    out.append(plain(" ".join(run)))
                    run = []
                out.append("".join(_mark(p, plain, keep) if i % 2 == 0 else plain(p)
                                   for i, p in enumerate(parts)))
                continue
        run.append(word)
    if run:
        out.append(plain(" ".join(run)))
    return " ".join(out)


def _mark(part: str, plain: Callable[[str], str], keep: Callable[[str], str]) -> str:
    """Mark the letters of one part of a protected word, leaving punctuation outside."""
    lead, core, trail = _PART.match(part).groups()  # type: ignore[union-attr]  # always matches
    if core and core[0].isalpha() and (_needs_protection(core) or core[0].isupper()):
        return plain(lead) + keep(core) + plain(trail)
    return plain(part)


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
