"""CSL-JSON, the input of citeproc (pandoc, Zotero, citation.js). UTF-8 throughout."""

from __future__ import annotations

import json
from typing import Any

from rsbib.export.items import Item
from rsbib.metadata.venues import canonical_name, short_publisher

TYPES = {"journal-article": "article-journal", "proceedings-article": "paper-conference",
         "preprint": "article", "misc": "document"}


def item_json(item: Item) -> dict:
    if item.kind != "work":
        e = item.entry
        data: dict[str, Any] = {"id": item.key, "type": "software" if item.kind == "project" else "document",
                "title": e.title}
        if e.label_year and item.kind == "unverified":
            data["issued"] = {"date-parts": [[e.label_year]]}
            # rsbib's own note: in `annote`, which citeproc styles do not print.
            data["annote"] = "rsbib: listed, but not found in arXiv, Crossref or DBLP"
        url = e.paper_url if item.kind == "unverified" else (e.code_url or e.paper_url)
        if url:
            data["URL"] = url
        return data
    w = item.paper
    data = {"id": item.key, "type": TYPES.get(w.type, "document"), "title": w.title}
    if item.authors:
        data["author"] = [{"family": a.family, "given": a.given} if a.given else {"literal": a.family}
                          for a in item.authors]
    if w.year:
        data["issued"] = {"date-parts": [[w.year, w.month] if w.month else [w.year]]}
    if w.venue:
        data["container-title"] = canonical_name(w.venue)
    for target, value in (("volume", w.volume), ("issue", w.issue), ("page", w.pages),
                          ("publisher", short_publisher(w.publisher))):
        if value:
            data[target] = str(value)
    if w.doi:
        data["DOI"] = w.doi
    if w.arxiv_id:
        data["number"] = f"arXiv:{w.arxiv_id}"
        data["URL"] = f"https://arxiv.org/abs/{w.arxiv_id}"
        if w.type == "preprint":
            data["container-title"] = "arXiv preprint"
    if w.title_en:
        data["title-short"] = w.title_en
    if w.abstract:
        data["abstract"] = w.abstract
    return data


def write(items: list[Item]) -> str:
    return json.dumps([item_json(i) for i in items], ensure_ascii=False, indent=2) + "\n"
