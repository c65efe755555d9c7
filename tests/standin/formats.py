"""Bodies in the exact shape of the live services (see recordings/ for the originals)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from xml.sax.saxutils import escape, quoteattr

from .corpus import ArxivPaper, CrossrefWork

ATOM_HEAD = ('<?xml version=\'1.0\' encoding=\'UTF-8\'?>\n'
             '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
             'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n')


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom_feed(query: str, papers: list[ArxivPaper], total: int, start: int, per_page: int) -> str:
    """An arXiv API result feed, as export.arxiv.org/api/query writes it."""
    digest = hashlib.sha1(query.encode()).hexdigest()[:27]
    out = [ATOM_HEAD,
           f"  <id>https://arxiv.org/api/{digest}</id>\n",
           f"  <title>arXiv Query: {escape(query)}</title>\n",
           f"  <updated>{_now()}</updated>\n",
           f"  <link href={quoteattr('https://arxiv.org/api/query?' + query)} "
           f'type="application/atom+xml"/>\n',
           f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>\n",
           f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n",
           f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"]
    out.extend(atom_entry(p) for p in papers)
    out.append("</feed>")
    return "".join(out)


def atom_entry(p: ArxivPaper) -> str:
    vid = f"{p.arxiv_id}v1"
    lines = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{vid}</id>",
        f"    <title>{escape(p.title)}</title>",
        f"    <updated>{p.published}</updated>",
        f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>',
    ]
    if p.doi:
        lines.append(f'    <link href="https://doi.org/{escape(p.doi)}" rel="related" title="doi"/>')
    lines += [
        f"    <summary>{escape(p.summary)}</summary>",
        *([f'    <category term="{p.primary_category}" scheme="http://arxiv.org/schemas/atom"/>']
          if p.primary_category else []),
        f"    <published>{p.published}</published>",
    ]
    if p.synthetic:
        lines.append("    <arxiv:comment>synthetic near-miss record of the rsbib stand-in</arxiv:comment>")
    if p.primary_category:  # the snapshot does not know every paper's category
        lines.append(f'    <arxiv:primary_category term="{p.primary_category}"/>')
    if p.journal_ref:
        lines.append(f"    <arxiv:journal_ref>{escape(p.journal_ref)}</arxiv:journal_ref>")
    if p.doi:
        lines.append(f"    <arxiv:doi>{escape(p.doi)}</arxiv:doi>")
    for name in p.authors:
        lines += ["    <author>", f"      <name>{escape(name)}</name>", "    </author>"]
    lines.append("  </entry>\n")
    return "\n".join(lines)


def atom_error(message: str, anchor: str) -> str:
    """The feed arXiv answers (with HTTP 400) for a malformed id."""
    now = _now()
    return (ATOM_HEAD + "  <id>https://arxiv.org/</id>\n  <title>arXiv Search Results</title>\n"
            f"  <updated>{now}</updated>\n"
            "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
            "  <opensearch:totalResults>1</opensearch:totalResults>\n"
            "  <opensearch:startIndex>0</opensearch:startIndex>\n  <entry>\n"
            f"    <id>https://arxiv.org/api/errors#{escape(anchor)}</id>\n"
            f"    <title>Error</title>\n    <updated>{now}</updated>\n"
            f'    <link href="https://arxiv.org/api/errors#{escape(anchor)}" rel="alternate" type="text/html"/>\n'
            f"    <summary>{escape(message)}</summary>\n"
            "    <author>\n      <name>arXiv api core</name>\n    </author>\n  </entry>\n</feed>")


def _date_parts(year: int | None) -> dict:
    return {"date-parts": [[year]]} if year else {"date-parts": [[None]]}


def crossref_item(w: CrossrefWork, score: float | None = None) -> dict:
    """One work as the Crossref REST API describes it (field names and nesting as recorded)."""
    item: dict = {
        "indexed": {"date-parts": [[2026, 11, 1]], "date-time": "2026-11-01T00:00:00Z",
                    "timestamp": 1793491200000, "version": "3.54.1"},
        "reference-count": 0,
    }
    if w.publisher:  # only what the corpus holds: no record gets a made-up publisher
        item["publisher"] = w.publisher
    if w.issue:
        item["issue"] = w.issue
    item.update({
        "content-domain": {"domain": [], "crossmark-restriction": False},
        "short-container-title": [],
        "DOI": w.doi,
        "type": w.type,
        "created": {"date-parts": [[w.year or 2000, 1, 1]],
                    "date-time": f"{w.year or 2000}-01-01T00:00:00Z", "timestamp": 0},
    })
    if w.page:
        item["page"] = w.page
    item.update({"source": "Crossref", "is-referenced-by-count": 0, "title": [w.title],
                 "prefix": w.doi.split("/", 1)[0]})
    if w.volume:
        item["volume"] = w.volume
    item["author"] = [
        {"given": g, "family": f, "sequence": "first" if i == 0 else "additional",
         "affiliation": []} if g else
        {"family": f, "sequence": "first" if i == 0 else "additional", "affiliation": []}
        for i, (g, f) in enumerate(w.authors)]
    item["member"] = "0"
    if w.container:
        item["container-title"] = [w.container]
    item.update(w.extra)
    item.update({
        "deposited": {"date-parts": [[2026, 1, 1]], "date-time": "2026-01-01T00:00:00Z",
                      "timestamp": 1767225600000},
    })
    if score is not None:
        item["score"] = score
    item.update({
        "resource": {"primary": {"URL": f"https://doi.org/{w.doi}"}},
        "issued": _date_parts(w.year),
        "published": _date_parts(w.year),
        "URL": f"https://doi.org/{w.doi}",
    })
    return item


def crossref_work(w: CrossrefWork) -> str:
    return json.dumps({"status": "ok", "message-type": "work", "message-version": "1.0.0",
                       "message": crossref_item(w)}, ensure_ascii=False)


def crossref_list(items: list[dict], total: int, rows: int, terms: str | None) -> str:
    return json.dumps({"status": "ok", "message-type": "work-list", "message-version": "1.0.0",
                       "message": {"facets": {}, "total-results": total, "items": items,
                                   "items-per-page": rows,
                                   "query": {"start-index": 0, "search-terms": terms}}},
                      ensure_ascii=False)


def entity_bomb(feed: str) -> str:
    """The same feed with a DOCTYPE of nested entities and one used in the first title.

    A parser that expands entities would build a gigabyte of "lol"s.
    """
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(1, 10)]
    doctype = "<!DOCTYPE feed [" + "".join(levels) + "]>\n"
    head, _, rest = feed.partition("\n")
    return head + "\n" + doctype + rest.replace("<title>", "<title>&lol9;", 2)
