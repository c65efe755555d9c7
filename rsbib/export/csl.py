"""CSL-JSON, the input of citeproc (pandoc, Zotero, citation.js). UTF-8 throughout.

Each value sits in the variable the CSL specification gives it, so every style
prints it where it belongs: an arXiv id is `archive` "arXiv" + `archive_location`
(Zotero's mapping), not the venue's `number`; a preprint's id is its `number`
("arXiv:2312.03606", as Zotero writes a preprint's archive id).
rsbib's bookkeeping goes to `custom`, which CSL keeps for data no style prints.
"""

from __future__ import annotations

import html
import json
from typing import Any

from rsbib.export.items import Item
from rsbib.export.latex import mark_capitals
from rsbib.metadata.authors import OTHERS
from rsbib.metadata.venues import canonical_name, short_publisher

TYPES = {"journal-article": "article-journal", "proceedings-article": "paper-conference",
         "book-chapter": "chapter", "preprint": "article", "misc": "document"}
UNVERIFIED = "listed, but not found in arXiv, Crossref or DBLP"


def title(text: str) -> str:
    """The title with acronyms and proper nouns kept from CSL's title-casing (`nocase` spans).

    CSL titles are rich text: `<`, `>` and `&` are written as entities.
    """
    def plain(part: str) -> str:
        return html.escape(part, quote=False)
    return mark_capitals(text, plain, lambda core: f'<span class="nocase">{plain(core)}</span>')


def item_json(item: Item) -> dict[str, Any]:
    if item.kind != "work":
        e = item.entry
        data: dict[str, Any] = {"id": item.key, "type": "software" if item.kind == "project" else "document",
                                "title": title(e.title)}
        if e.label_year and item.kind == "unverified":
            data["issued"] = {"date-parts": [[e.label_year]]}
        if item.kind == "unverified":
            data["custom"] = {"rsbib": UNVERIFIED}
        url = e.paper_url if item.kind == "unverified" else (e.code_url or e.paper_url)
        if url:
            data["URL"] = url
        return data
    w = item.paper
    data = {"id": item.key, "type": TYPES.get(w.type, "document"), "title": title(w.title)}
    if item.authors:
        data["author"] = [{"family": a.family, "given": a.given} if a.given else {"literal": a.family}
                          for a in item.authors]
        if w.authors_incomplete:
            # CSL has no mark for "more authors": pandoc's {"literal": "others"} prints
            # "Fu, K.others." under APA (jgm/citeproc#102), a family "others" prints
            # "and others" in every style (as JOSS's inara does, openjournals/inara#10).
            data["author"].append({"family": OTHERS})
    if w.year:
        data["issued"] = {"date-parts": [[w.year, w.month] if w.month else [w.year]]}
    if w.venue:
        data["container-title"] = canonical_name(w.venue)
    # A conference's publisher is known only for the papers Crossref holds: left out
    # for all of them, so the papers of one conference print alike.
    publisher = None if w.type == "proceedings-article" else short_publisher(w.publisher)
    for target, value in (("volume", w.volume), ("issue", w.issue), ("page", w.pages),
                          ("publisher", publisher)):
        if value:
            data[target] = str(value)
    if w.doi:
        data["DOI"] = w.doi
    if w.arxiv_id:
        _arxiv(data, w.arxiv_id, preprint=w.type == "preprint", doi=bool(w.doi))
    if w.title_en:
        data["title-short"] = w.title_en
    if w.abstract:
        data["abstract"] = w.abstract
    if item.by_hand:  # a row no service holds, completed by hand: still unverified, its link kept
        data.setdefault("custom", {})["rsbib"] = f"{UNVERIFIED}; completed by hand"
        if w.url and "URL" not in data:
            data["URL"] = w.url
    return data


def _arxiv(data: dict[str, Any], arxiv_id: str, preprint: bool, doi: bool) -> None:
    """Where an arXiv id goes: a preprint's number; else the archive a reader finds it in.

    A published work with a DOI is cited by its DOI; its arXiv id is kept
    unprinted in `custom`.
    """
    if preprint:
        data["number"] = f"arXiv:{arxiv_id}"
    elif doi:
        data.setdefault("custom", {})["arxiv"] = arxiv_id
        return
    else:
        data.update({"archive": "arXiv", "archive_location": f"arXiv:{arxiv_id}"})
    data["URL"] = f"https://arxiv.org/abs/{arxiv_id}"


def write(items: list[Item]) -> str:
    return json.dumps([item_json(i) for i in items], ensure_ascii=False, indent=2) + "\n"
