"""The keys a LaTeX document cites (its .aux files, or --keys), and the export items they select.

BibTeX documents write `\\citation{a,b}` (`\\citation{*}` for `\\nocite{*}`);
biblatex writes `\\abx@aux@cite{0}{a}` (older versions `\\abx@aux@cite{a}`) and
`\\abx@aux@nociteall`. `\\@input{chapter.aux}` includes another file, read where
it stands, relative to the including file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from rsbib import RsbibError

ALL = "*"  # \nocite{*}: every entry

_LINE = re.compile(
    r"\\citation\{(?P<bibtex>[^}]*)\}"
    r"|\\abx@aux@cite(?:\{[^}]*\})?\{(?P<biblatex>[^}]*)\}"
    r"|\\abx@aux@nociteall\b(?P<all>)"
    r"|\\@input\{(?P<input>[^}]*)\}"
    r"|\\bibstyle\{(?P<bibstyle>[^}]*)\}")


class AuxError(RsbibError, ValueError):
    """An .aux file that cannot be read."""


@dataclass
class Citations:
    """The cited keys in the order the document first cites them, and where each comes from."""

    keys: list[str] = field(default_factory=list)
    cites_all: bool = False
    source: dict[str, str] = field(default_factory=dict)  # key -> the file that cites it first
    bibstyles: list[str] = field(default_factory=list)  # \bibliographystyle{...} of each .aux (\bibstyle)

    @property
    def bibstyle(self) -> str | None:
        """The style the (first) .aux names, if any."""
        return self.bibstyles[0] if self.bibstyles else None

    def add(self, key: str, where: str) -> None:
        key = key.strip()
        if key == ALL:
            self.cites_all = True
        elif key and key not in self.source:
            self.keys.append(key)
            self.source[key] = where


def read_aux(path: str | Path) -> Citations:
    """The citations of an .aux file and the .aux files it includes (each read once)."""
    citations = Citations()
    _read(Path(path), citations, set())
    return citations


def _read(path: Path, citations: Citations, seen: set[Path]) -> None:
    resolved = path.resolve()
    if resolved in seen:
        return
    seen.add(resolved)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise AuxError(f"{path}: cannot read ({exc.strerror or exc})") from None
    for number, line in enumerate(text.splitlines(), 1):
        for found in _LINE.finditer(line):
            if found["input"] is not None:
                included = path.parent / found["input"].strip()
                if included.exists():  # LaTeX itself skips a missing \@input file
                    _read(included, citations, seen)
            elif found["bibstyle"] is not None and found["bibstyle"].strip():
                citations.bibstyles.append(found["bibstyle"].strip())
            elif found["all"] is not None:
                citations.cites_all = True
            else:
                for key in (found["bibtex"] or found["biblatex"] or "").split(","):
                    citations.add(key, f"{path}:{number}")


def parse_keys(values: tuple[str, ...] | list[str], citations: Citations | None = None) -> Citations:
    """Keys given on the command line (`--keys a,b --keys c`), separated by commas or spaces."""
    citations = citations if citations is not None else Citations()
    for value in values:
        for key in re.split(r"[,\s]+", value):
            citations.add(key, "--keys")
    return citations


def select(items: list, citations: Citations, document_order: bool = True) -> tuple[list, list[str]]:
    """The export items the document cites, and the cited keys none of them has.

    Items come in the document's order, or in the order given (`document_order=False`);
    `\\nocite{*}` selects every item.
    """
    by_key = {item.key: item for item in items}
    missing = [key for key in citations.keys if key not in by_key]
    if citations.cites_all:
        return list(items), missing
    if document_order:
        return [by_key[key] for key in citations.keys if key in by_key], missing
    wanted = set(citations.keys)
    return [item for item in items if item.key in wanted], missing


def nearest_keys(key: str, known: list[str], limit: int = 3) -> list[str]:
    """The library's keys most like a key it does not have (a typo, another year, a case slip)."""
    found = process.extract(key, known, scorer=fuzz.ratio, processor=str.casefold,
                            limit=limit, score_cutoff=60)
    return [choice for choice, _score, _index in found]


def report_missing(missing: list[str], citations: Citations, known: list[str]) -> list[str]:
    """One line per cited key the export lacks: where it is cited and the nearest known keys."""
    lines = []
    for key in missing:
        where = citations.source[key]
        if key in known:
            lines.append(f"{where}: {key} is an unverified row, left out by --resolved-only")
            continue
        near = nearest_keys(key, known)
        hint = f" (nearest: {', '.join(near)})" if near else ""
        lines.append(f"{where}: {key} is not in the library{hint}")
    return lines


def read_citations(aux_files, key_values) -> Citations:
    """The keys of the --aux files, then of the --keys values; AuxError for a file that cites nothing."""
    citations = Citations()
    for path in aux_files:
        found = read_aux(path)
        if not (found.keys or found.cites_all):
            raise AuxError(f"{path}: cites no key (is it the .aux of a LaTeX run with \\cite?)")
        citations.cites_all |= found.cites_all
        citations.bibstyles += [s for s in found.bibstyles if s not in citations.bibstyles]
        for key in found.keys:
            citations.add(key, found.source[key])
    return parse_keys(key_values, citations)
