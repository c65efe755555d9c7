"""CSL-JSON, the input of citeproc (pandoc, Zotero, citation.js). UTF-8 throughout."""

from __future__ import annotations

import json

from . import Item

TYPES = {"journal-article": "article-journal", "proceedings-article": "paper-conference",
         "preprint": "article", "misc": "document"}


def item_json(item: Item) -> dict:
    if item.kind != "work":
        e = item.entry
        data = {"id": item.key, "type": "software" if item.kind == "project" else "document",
                "title": e["title"]}
        if e["label_year"] and item.kind == "unverified":
            data["issued"] = {"date-parts": [[e["label_year"]]]}
            data["note"] = "Unverified: listed in the Awesome Remote Sensing Foundation Models list"
        url = e["paper_url"] if item.kind == "unverified" else (e["code_url"] or e["paper_url"])
        if url:
            data["URL"] = url
        return data
    w = item.work
    data = {"id": item.key, "type": TYPES.get(w["type"], "document"), "title": w["title"]}
    if item.authors:
        data["author"] = [{"family": a.family, "given": a.given} if a.given else {"literal": a.family}
                          for a in item.authors]
    if w["year"]:
        data["issued"] = {"date-parts": [[w["year"], w["month"]] if w["month"] else [w["year"]]]}
    if w["venue"]:
        data["container-title"] = w["venue"]
    for source, target in (("volume", "volume"), ("issue", "issue"), ("pages", "page"),
                           ("publisher", "publisher")):
        if w[source]:
            data[target] = str(w[source])
    if w["doi"]:
        data["DOI"] = w["doi"]
    if w["arxiv_id"]:
        data["number"] = f"arXiv:{w['arxiv_id']}"
        data["URL"] = f"https://arxiv.org/abs/{w['arxiv_id']}"
    if w["title_en"]:
        data["title-short"] = w["title_en"]
    return data


def write(items: list[Item]) -> str:
    return json.dumps([item_json(i) for i in items], ensure_ascii=False, indent=2) + "\n"
