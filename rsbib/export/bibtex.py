"""BibTeX (pdflatex-safe ASCII) and biblatex (UTF-8) entries, written with bibtexparser."""

from __future__ import annotations

import re

import bibtexparser
import bibtexparser.middlewares
from bibtexparser.library import Library as BibLibrary
from bibtexparser.model import Entry, Field

from . import Item
from .latex import balanced, clean_text, escape, protect_title, transliterate, unsettable

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
VERBATIM = {"doi", "url", "eprint"}  # never escaped
_ENGLISH_IN_PARENS = re.compile(r"\(([^()]*[A-Za-z][^()]*)\)\s*$")
LIST_NAME = "the Awesome Remote Sensing Foundation Models list"


class Writer:
    """Turn items into entries; `biblatex` keeps UTF-8 and uses biblatex's types and fields."""

    def __init__(self, biblatex: bool = False):
        self.biblatex = biblatex
        self.warnings: list[str] = []

    # -- text -------------------------------------------------------------------

    def text(self, value: str) -> str:
        """Prose: escaped; for pdflatex, characters it cannot set are transliterated."""
        if not self.biblatex and unsettable(value):
            value = transliterate(value)
        return escape(value, ascii_only=not self.biblatex)

    def title(self, item: Item, value: str) -> str:
        if not self.biblatex and unsettable(value):
            english = (item.work or {}).get("title_en")
            self.warnings.append(
                f"{item.key}: title has characters pdflatex cannot set; written as "
                f"{'its English title' if english else 'a transliteration'}, original in origtitle")
            value = english or transliterate(value)
        return protect_title(value, ascii_only=not self.biblatex)

    def venue(self, item: Item, value: str) -> str:
        if not self.biblatex and unsettable(value):
            english = _ENGLISH_IN_PARENS.search(value)
            value = english.group(1).strip() if english else transliterate(value)
        return self.text(value)

    def sort_key(self, item: Item) -> str:
        """BibTeX's `key` field: what styles sort and label by when there is no author."""
        entry = item.entry
        return self.text(entry.get("abbreviation") or transliterate(entry["title"]).split(":")[0][:40])

    def names(self, item: Item) -> str:
        return " and ".join(self.text(a.name) for a in item.authors)

    # -- entries ------------------------------------------------------------------

    def fields(self, item: Item) -> tuple[str, dict[str, str]]:
        if item.kind == "work":
            return self._work(item)
        return self._row(item)

    def _work(self, item: Item) -> tuple[str, dict[str, str]]:
        w = item.work
        f: dict[str, str] = {}
        if item.authors:
            f["author"] = self.names(item)
        f["title"] = self.title(item, w["title"])
        kind = w["type"]
        if not item.authors and kind != "preprint":
            # BibTeX and biber require authors of articles and papers; with none on
            # record the entry stays honest as @misc rather than inventing a name.
            entry_type, f = "misc", {**f, "key": self.sort_key(item)}
            if w["venue"]:
                f["howpublished"] = self.venue(item, w["venue"])
            self._date(f, w["year"], w["month"])
            for column in ("doi",):
                if w[column]:
                    f[column] = w[column]
            f["note"] = self.text("Authors not on record in Crossref")
            self._original_title(f, w["title"])
            return entry_type, f
        if kind == "journal-article":
            entry_type = "article"
            if w["venue"]:
                f["journaltitle" if self.biblatex else "journal"] = self.venue(item, w["venue"])
        elif kind == "proceedings-article":
            entry_type = "inproceedings"
            if w["venue"]:
                f["booktitle"] = self.venue(item, w["venue"])
        else:
            entry_type = "online" if self.biblatex and w["arxiv_id"] else "misc"
        self._date(f, w["year"], w["month"])
        self._volume(f, w)
        if w["pages"]:
            f["pages"] = self.text(re.sub(r"\s*[-\u2013\u2014]+\s*", "--", w["pages"]))
        if w["publisher"] and kind == "proceedings-article":
            f["publisher"] = self.text(w["publisher"])
        if w["doi"]:
            f["doi"] = w["doi"]
        if w["arxiv_id"]:
            f["eprint"] = w["arxiv_id"]
            if self.biblatex:
                f["eprinttype"] = "arxiv"
                if w["primary_class"]:
                    f["eprintclass"] = w["primary_class"]
            else:
                f["archiveprefix"] = "arXiv"
                if w["primary_class"]:
                    f["primaryclass"] = w["primary_class"]
            if not w["doi"]:
                f["url"] = f"https://arxiv.org/abs/{w['arxiv_id']}"
        if w["venue_source"] == "list" and not self.biblatex:
            f["note"] = self.text(f"Venue as given by {LIST_NAME}")
        self._original_title(f, w["title"])
        return entry_type, f

    def _volume(self, f: dict, w: dict) -> None:
        """Volume and number, as each format's rules allow."""
        volume, issue = w["volume"], w["issue"]
        if w["type"] == "proceedings-article":
            issue = None  # plain & co. refuse volume and number together in proceedings
        elif w["type"] != "journal-article":
            return
        if volume and self.biblatex and not str(volume).isdigit():
            volume, issue = None, issue or volume  # biber wants an integer volume
        if volume:
            f["volume"] = self.text(str(volume))
        if issue:
            f["number"] = self.text(str(issue))

    def _row(self, item: Item) -> tuple[str, dict[str, str]]:
        e = item.entry
        f: dict[str, str] = {"key": self.sort_key(item), "title": self.title(item, e["title"])}
        url = e["paper_url"] if item.kind == "unverified" else (e["code_url"] or e["paper_url"])
        if item.kind == "project":
            f["howpublished"] = self.text("GitHub repository" if "github.com" in (url or "")
                                          else "Website")
        else:
            self._date(f, e["label_year"], None)
            if self.biblatex and not e["label_year"]:
                f["date"] = "XXXX"  # ISO 8601-2 for "year unknown": biber requires a date
            label = f" ({e['publication']})" if e["publication"] else ""
            f["note"] = self.text(f"Unverified: listed in {LIST_NAME}{label}; "
                                  "not found in arXiv or Crossref")
        if url and url.lower().startswith(("http://", "https://")):
            f["url"] = url
        self._original_title(f, e["title"])
        return ("software" if self.biblatex and item.kind == "project" else "misc"), f

    def _original_title(self, f: dict, title: str) -> None:
        """Keep a title pdflatex cannot set, UTF-8, in fields that plain styles ignore."""
        if not self.biblatex and unsettable(title):
            f["origtitle"] = clean_text(title)
            f["language"] = "Chinese" if re.search(r"[\u4e00-\u9fff]", title) else "other"

    def _date(self, f: dict, year, month) -> None:
        if not year:
            return
        if self.biblatex:
            f["date"] = f"{year}-{month:02d}" if month else str(year)
        else:
            f["year"] = str(year)
            if month:
                f["month"] = MONTHS[month - 1]


def write(items: list[Item], biblatex: bool = False) -> tuple[str, list[str]]:
    """The whole file, and warnings for stderr. Entries whose fields are unsafe are refused."""
    writer = Writer(biblatex)
    library = BibLibrary()
    for item in items:
        if item.provisional:
            writer.warnings.append(
                f"{item.key}: provisional key; line {item.entry['line']} is not resolved yet "
                f"({item.entry['status']}), its key may change once it is")
        entry_type, fields = writer.fields(item)
        bad = [k for k, v in fields.items() if not balanced(v) or "\n" in v]
        if bad:
            writer.warnings.append(f"{item.key}: skipped, unbalanced braces in {', '.join(bad)}")
            continue
        library.add(Entry(entry_type, item.key, [Field(k, v) for k, v in fields.items()]))
    fmt = bibtexparser.BibtexFormat()
    fmt.indent = "  "
    fmt.block_separator = "\n"
    # The library is built for this one write, so the writer may change it in place
    # (the default deep copy costs seconds on 10,000 entries).
    stack = bibtexparser.middlewares.default_unparse_stack(allow_inplace_modification=True)
    text = bibtexparser.write_string(library, unparse_stack=stack, bibtex_format=fmt)
    return text.strip() + "\n", writer.warnings
