"""Names that arrive whole ("Bertrand Le Saux"): split into family and given, particles kept.

arXiv gives each author as one string. BibTeX's own rule (bibtexparser's
splitname) takes the last word as the family name unless the particles before
it are lower case, so "Bertrand Le Saux" would print as "Saux, Bertrand Le".
Here capitalised particles (Le, De, Van...) and family suffixes (Junior,
Filho) join the family name too, so do the words after a middle initial
("Juan M. Lavista Ferres") and the multi-word family names listed in
rsbib/data/family_names.txt ("Vicente Vivanco Cepeda"). Crossref's
given/family split is never re-parsed: this module is for whole names only.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

from bibtexparser.middlewares.names import parse_single_name_into_parts

from rsbib.metadata.records import Author

# Particles that start a family name, written in lower case ("van", "de la").
LOWER_PARTICLES = {"von", "van", "der", "den", "de", "del", "della", "des", "di", "da", "du",
                   "dos", "das", "do", "la", "le", "ter", "ten", "zu", "af", "av", "ait", "bin",
                   "ibn", "al", "el", "y"}
# Particles also taken when capitalised. Short syllables that are common given
# names elsewhere (Di, Da, Al...) are left out: "Xiao Di Wang" keeps "Wang".
CAPITAL_PARTICLES = {"Le", "La", "De", "Van", "Von", "Der", "Den", "Del", "Della", "Des",
                     "Dos", "Das", "Du", "Ter", "Ten", "Ait", "Aït"}
# Words that end a family name and belong to it ("José Marcato Junior").
FAMILY_SUFFIXES = {"junior", "júnior", "filho", "neto", "sobrinho"}


_INITIAL = re.compile(r"^(?:[A-Z]\.)+$|^[A-Z]\.-[A-Z]\.$")


@functools.lru_cache(maxsize=1)
def known_family_names() -> tuple[tuple[str, ...], ...]:
    """The listed multi-word family names, as word tuples, longest first."""
    text = resources.files("rsbib.data").joinpath("family_names.txt").read_text("utf-8")
    names = {tuple(n.split()) for line in text.splitlines() if (n := line.split("#")[0].strip())}
    return tuple(sorted(names, key=len, reverse=True))


def _family_start(words: list[str]) -> int:
    """Where the family name begins in a whole name of two or more words."""
    for name in known_family_names():
        if len(name) < len(words) and tuple(words[-len(name):]) == name:
            return len(words) - len(name)
    start = len(words) - 1
    if start >= 2 and words[-1].casefold() in FAMILY_SUFFIXES:
        start -= 1
    for i in range(1, start):
        word = words[i]
        if (word.islower() and word in LOWER_PARTICLES) or word in CAPITAL_PARTICLES:
            return i
    # "Juan M. Lavista Ferres": a full given name, a middle initial, then the family name.
    initials = [i for i in range(1, start) if _INITIAL.match(words[i])]
    if initials and not _INITIAL.match(words[0]) and all(w[:1].isupper() for w in words[initials[-1] + 1:]):
        return initials[-1] + 1
    return start


def parse_name(text: str) -> Author:
    """"Family, Given" as written; "Given [particles] Family [suffix]" split by the rules above."""
    text = " ".join(text.split())
    if "," in text:
        parts = parse_single_name_into_parts(text, strict=False)
        family = " ".join(parts.von + parts.last + ([", ".join(parts.jr)] if parts.jr else []))
        return Author(family or text, " ".join(parts.first))
    words = text.split(" ")
    if len(words) < 2:
        return Author(text)
    start = _family_start(words)
    return Author(" ".join(words[start:]), " ".join(words[:start]))
