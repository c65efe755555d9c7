"""BibTeX (pdflatex-safe ASCII) and biblatex (UTF-8, pdflatex-safe) entries, written with bibtexparser."""

from __future__ import annotations

import re

import bibtexparser
import bibtexparser.middlewares
from bibtexparser.library import Library as BibLibrary
from bibtexparser.model import Entry, Field

from rsbib.export.items import Item, Work, provisional_warning
from rsbib.export.latex import balanced, escape, protect_title, transliterate, unsettable
from rsbib.metadata.authors import OTHERS
from rsbib.metadata.records import Author
from rsbib.metadata.translit import has_han
from rsbib.metadata.venues import canonical_name, short_publisher

# BibTeX's month macros: each style prints them in its own form (abbrv "Apr.", plain "April").
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_ENGLISH_IN_PARENS = re.compile(r"\(([^()]*[A-Za-z][^()]*)\)\s*$")
# rsbib's own notes on an entry go where no style prints them: a field of rsbib's own
# (`annote` and `annotation` are printed by annotated styles and biblatex-apa), plus a
# `keywords` tag a user can filter on. BibTeX styles skip fields they do not know;
# biber drops fields outside its data model.
NOTE_FIELD = "rsbibnote"
TAGS = {"list-venue": "venue as given by the list's label",
        "unverified": "listed, but not found in arXiv, Crossref or DBLP",
        "no-authors": "authors not on record in Crossref",
        "by-hand": "completed by hand"}


# BibTeX styles that take an entry with no year without a warning about it, and
# whose labels would take "nd" from year = {n.d.} (alpha's "[XGend]"): each checked
# with bibtex on the full export (the ams and din styles warn about other missing
# fields whatever the year). DATED_STYLES warn "empty year" without one (and APA's
# rule is "n.d."); a style in neither keeps n.d., with a warning.
YEARLESS_STYLES = frozenset({
    "plain", "abbrv", "alpha", "unsrt", "ieeetr", "IEEEtran", "IEEEtranS", "IEEEtranN", "IEEEtranSA",
    "acm", "siam", "plainurl", "abbrvurl", "alphaurl", "unsrturl", "amsplain", "amsalpha",
    "plaindin", "abbrvdin", "alphadin", "unsrtdin", "splncs04"})
DATED_STYLES = frozenset({"plainnat", "abbrvnat", "unsrtnat", "apalike", "elsarticle-num",
                          "elsarticle-num-names"})
SHORT_TITLE, KEY_WORDS = 5, 8  # a title this short stands whole for a missing author in `key`; at most 8 words
_PHRASE_ENDS = {"with", "for", "of", "via", "in", "on", "using", "from", "by", "through", "and", "to"}


def style_name(bibstyle: str | None) -> str | None:
    """A style as \\bibliographystyle names it, without a folder or ".bst" ("styles/alpha.bst": alpha)."""
    if not bibstyle or not bibstyle.strip():
        return None
    name = bibstyle.strip().replace("\\", "/").rsplit("/", 1)[-1]
    return name[:-4] if name.lower().endswith(".bst") else name


class Writer:
    """Turn items into entries; `biblatex` uses biblatex's types and fields.

    Both formats are pdflatex-safe unless `unicode` (for XeLaTeX/LuaLaTeX): text
    pdflatex cannot set is transliterated and the original kept in a field
    styles do not print. `journal_abbrev` writes journals in ISO 4 form.
    """

    def __init__(self, biblatex: bool = False, unicode: bool = False, journal_abbrev: bool = False,
                 bibstyle: str | None = None):
        self.biblatex = biblatex
        self.unicode = unicode
        self.journal_abbrev = journal_abbrev
        self.warnings: list[str] = []
        # An undated row: year = {n.d.} unless the document's style needs no year.
        style = style_name(bibstyle)
        self.undated = None if style in YEARLESS_STYLES else "n.d."
        if style and style not in YEARLESS_STYLES | DATED_STYLES:
            self.warnings.append(f"BibTeX style {style!r} is not one rsbib has checked: "
                                 "undated entries keep year = {n.d.}")

    # -- text -------------------------------------------------------------------

    @property
    def ascii_only(self) -> bool:
        return not (self.biblatex or self.unicode)

    def _latin(self, value: str) -> bool:
        """True when `value` must be transliterated for pdflatex."""
        return not self.unicode and unsettable(value)

    def text(self, value: str) -> str:
        """Prose: escaped; for pdflatex, characters it cannot set are transliterated."""
        if self._latin(value):
            value = transliterate(value)
        return escape(value, ascii_only=self.ascii_only)

    def title(self, item: Item, value: str) -> str:
        if self._latin(value):
            english = item.work.title_en if item.work else None
            self.warnings.append(
                f"{item.key}: title has characters pdflatex cannot set; written as "
                f"{'its English title' if english else 'pinyin'} "
                "(--unicode writes the original)")
            value = english or transliterate(value)
        return protect_title(value, ascii_only=self.ascii_only)

    def venue(self, item: Item, value: str) -> str:
        value = canonical_name(value, iso4=self.journal_abbrev and item.paper.type == "journal-article") or value
        if self._latin(value):
            english = _ENGLISH_IN_PARENS.search(value)
            value = english.group(1).strip() if english else transliterate(value)
        return self.text(value)

    def sort_key(self, item: Item) -> str:
        """BibTeX's `key` field: what styles sort and label by when there is no author.

        plainnat and apalike also print it where the author goes, so it is short:
        the list's abbreviation, else the title's first words, as APA shortens a
        title that stands for its author: up to its colon, and a long title up to
        the preposition that ends its first noun phrase.
        """
        entry = item.entry
        if entry.abbreviation:
            return self.text(entry.abbreviation)
        words = transliterate(entry.title).split(":")[0].split()
        if len(words) > SHORT_TITLE:
            cut = next((n for n, w in enumerate(words) if n >= 3 and w.lower() in _PHRASE_ENDS), KEY_WORDS)
            words = words[:min(cut, KEY_WORDS)]
        return self.text(" ".join(words))

    def names(self, item: Item) -> str:
        """The authors; a list known to be incomplete ends with BibTeX's "and others" (et al.)."""
        names = [self.name(a) for a in item.authors]
        if item.work is not None and item.work.authors_incomplete:
            names.append(OTHERS)
        return " and ".join(names)

    def name(self, author: Author) -> str:
        """"Family, Given", the family name kept whole.

        An organisation (a whole name, no given name) is braced, so that BibTeX
        does not read "Paderborn University" as "University, P.". BibTeX splits a
        family name at hyphens and takes a lower-case part for a particle
        ("Giró-i-Nieto" prints "Giró-i Nieto"): such hyphens are braced, as DBLP
        writes them.
        """
        family = self.text(author.family)
        if not author.given and " " in author.family.strip():
            return f"{{{family}}}"
        if any(part[:1].islower() for part in author.family.split("-")[1:]):
            family = family.replace("-", "{-}")
        return f"{family}, {self.text(author.given)}" if author.given else family

    # -- entries ------------------------------------------------------------------

    def fields(self, item: Item) -> tuple[str, dict[str, str]]:
        notes: list[str] = []
        entry_type, f = self._work(item, notes) if item.kind == "work" else self._row(item, notes)
        if notes:
            f[NOTE_FIELD] = self.text(
                "rsbib: " + "; ".join(TAGS[n] for n in notes))
            f["keywords"] = ", ".join(f"rsbib-{n}" for n in notes)
        return entry_type, f

    def _work(self, item: Item, notes: list[str]) -> tuple[str, dict[str, str]]:
        entry_type, f = self._paper(item, notes)
        if item.by_hand:
            self._completed_by_hand(item, f, notes)
        return entry_type, f

    def _paper(self, item: Item, notes: list[str]) -> tuple[str, dict[str, str]]:
        w = item.paper
        f: dict[str, str] = {}
        if item.authors:
            f["author"] = self.names(item)
        f["title"] = self.title(item, w.title)
        kind = w.type
        if w.venue_source == "list":
            notes.append("list-venue")
        if not item.authors and kind != "preprint":
            # BibTeX and biber require authors of articles and papers; with none on
            # record the entry stays honest as @misc rather than inventing a name.
            entry_type, f = "misc", {**f, "key": self.sort_key(item)}
            if w.venue:
                f["howpublished"] = self.venue(item, w.venue)
            self._date(f, w.year, w.month)
            if w.doi:
                f["doi"] = w.doi
            if not item.by_hand:  # a row no service holds was never looked up in Crossref
                notes.append("no-authors")
            self._original_title(f, w.title)
            return entry_type, f
        if kind == "journal-article":
            entry_type = "article"
            if w.venue:
                f["journaltitle" if self.biblatex else "journal"] = self.venue(item, w.venue)
        elif kind in ("proceedings-article", "book-chapter"):
            entry_type = "inproceedings" if kind == "proceedings-article" else "incollection"
            if w.venue:
                f["booktitle"] = self.venue(item, w.venue)
        else:
            entry_type = "online" if self.biblatex and w.arxiv_id else "misc"
            if w.arxiv_id and not self.biblatex:
                # plain, abbrv, alpha and ieeetr ignore eprint and url: this is what they print.
                f["howpublished"] = f"arXiv preprint arXiv:{w.arxiv_id}"
        self._date(f, w.year, w.month)
        self._volume(f, w)
        if w.pages:
            f["pages"] = self.text(re.sub(r"\s*[-\u2013\u2014]+\s*", "--", w.pages))
        if w.publisher and kind == "book-chapter":
            f["publisher"] = self.text(short_publisher(w.publisher) or w.publisher)
        if w.doi:
            f["doi"] = w.doi
        if w.arxiv_id:
            self._eprint(f, w, w.arxiv_id)
        if w.abstract:
            f["abstract"] = self.text(w.abstract)
        self._original_title(f, w.title)
        return entry_type, f

    def _completed_by_hand(self, item: Item, f: dict[str, str], notes: list[str]) -> None:
        """A row no service holds, its fields completed by hand: still unverified, with the
        list's link and, undated, the year an unverified row has."""
        notes += ["unverified", "by-hand"]
        w = item.paper
        if not w.year:
            self._no_date(f)
        self._link(f, w.url)

    def _no_date(self, f: dict[str, str], biblatex_too: bool = True) -> None:
        """An entry no one dates: biblatex's "XXXX" (biber requires a date; not for software),
        BibTeX's "no date" where the style wants a year (never a made-up year)."""
        if self.biblatex:
            if biblatex_too:
                f["date"] = "XXXX"  # ISO 8601-2 for "year unknown"
        elif self.undated:
            f["year"] = self.undated

    @staticmethod
    def _link(f: dict[str, str], url: str | None) -> None:
        """The row's web link as `url`, unless the entry has one (an arXiv URL)."""
        if url and url.lower().startswith(("http://", "https://")):
            f.setdefault("url", url)

    def _eprint(self, f: dict[str, str], w: Work, arxiv_id: str) -> None:
        f["eprint"] = arxiv_id
        if self.biblatex:
            f["eprinttype"] = "arxiv"
            if w.primary_class:
                f["eprintclass"] = w.primary_class
        else:
            f["archiveprefix"] = "arXiv"
            if w.primary_class:
                f["primaryclass"] = w.primary_class
        if not w.doi:
            f["url"] = f"https://arxiv.org/abs/{arxiv_id}"

    def _volume(self, f: dict[str, str], w: Work) -> None:
        """Volume and number, as each format's rules allow.

        BibTeX's styles refuse volume and number together in proceedings (AAAI's
        "39(4)"): there the number is left out. biblatex prints both, and takes a
        volume that is not a number ("IV-2/W7") as it is.
        """
        volume, issue = w.volume, w.issue
        if w.type in ("proceedings-article", "book-chapter") and not self.biblatex:
            issue = None
        elif w.type not in ("journal-article", "proceedings-article", "book-chapter"):
            return
        if volume:
            f["volume"] = self.text(str(volume))
        if issue:
            f["number"] = self.text(str(issue))

    def _row(self, item: Item, notes: list[str]) -> tuple[str, dict[str, str]]:
        e = item.entry
        f: dict[str, str] = {"key": self.sort_key(item), "title": self.title(item, e.title)}
        url = e.paper_url if item.kind == "unverified" else (e.code_url or e.paper_url)
        if item.kind == "project":
            f["howpublished"] = self.text("GitHub repository" if "github.com" in (url or "")
                                          else "Website")
        else:
            self._date(f, e.label_year, None)
            notes.append("unverified")
        if not e.label_year:
            self._no_date(f, biblatex_too=item.kind != "project")
        self._link(f, url)
        self._original_title(f, e.title)
        return ("software" if self.biblatex and item.kind == "project" else "misc"), f

    def _original_title(self, f: dict[str, str], title: str) -> None:
        """Say the language of a title written in pinyin or English for pdflatex.

        The original script is left out: biblatex-apa prints `origtitle`, and
        pdflatex cannot set it (--unicode writes it as the title).
        """
        if self._latin(title):
            f["language"] = "chinese" if has_han(title) else "other"

    def _date(self, f: dict[str, str], year: int | None, month: int | None) -> None:
        if not year:
            return
        if self.biblatex:
            f["date"] = f"{year}-{month:02d}" if month else str(year)
        else:
            f["year"] = str(year)
            if month:
                f["month"] = MONTHS[month - 1]


def write(items: list[Item], biblatex: bool = False, unicode: bool = False,
          journal_abbrev: bool = False, bibstyle: str | None = None) -> tuple[str, list[str]]:
    """The whole file, and warnings for stderr. Entries whose fields are unsafe are refused.

    `bibstyle`: the document's BibTeX style, when known (`\\bibliographystyle`, read
    from its .aux): the styles in YEARLESS_STYLES get no `year` for an undated entry.
    """
    writer = Writer(biblatex, unicode, journal_abbrev, bibstyle)
    library = BibLibrary()
    for item in items:
        if item.provisional:
            writer.warnings.append(provisional_warning(item))
        entry_type, fields = writer.fields(item)
        bad = [k for k, v in fields.items() if not balanced(v) or "\n" in v]
        if bad:
            writer.warnings.append(f"{item.key}: skipped, unbalanced braces in {', '.join(bad)}")
            continue
        library.add(Entry(entry_type, item.key, [
            Field(k, v, enclosing="no-enclosing" if k == "month" else None) for k, v in fields.items()]))
    fmt = bibtexparser.BibtexFormat()
    fmt.indent = "  "
    fmt.block_separator = "\n"
    # The library is built for this one write, so the writer may change it in place
    # (the default deep copy costs seconds on 10,000 entries).
    stack = bibtexparser.middlewares.default_unparse_stack(allow_inplace_modification=True)
    text = bibtexparser.write_string(library, unparse_stack=stack, bibtex_format=fmt)
    return text.strip() + "\n", writer.warnings
