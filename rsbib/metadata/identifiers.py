"""arXiv ids and DOIs: parse, normalise, and read them from the links of a list.

Everything here is pure string work, so the resolver can decide which API to
ask before it sends anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

ARXIV_DATACITE_PREFIX = "10.48550/"

_NEW_ARXIV = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(v\d+)?(?![\d])")
_OLD_ARXIV = re.compile(r"(?<![\w-])([a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(v\d+)?(?!\d)")
_DOI = re.compile(r"(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
# Characters that are almost never the last character of a real DOI but
# often trail one in prose or URLs.
_DOI_TRAILING = ".,;:)]}'\""
# An http(s) URL whose host and path urlsplit would give as they are written (no user, port,
# brackets, whitespace or other script in them): read without it, in a third of the time.
_PLAIN_URL = re.compile(r"https?://([A-Za-z0-9.-]+)(/[^?#\s]*)?(?=[?#]|\Z)")
# Invisible characters that sneak into copied identifiers.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)

# MDPI journal ISSN -> the code MDPI uses in its DOIs (10.3390/<code><vol><issue><article>).
MDPI_JOURNALS = {
    "2072-4292": "rs",  # Remote Sensing
    "1424-8220": "s",  # Sensors
    "2220-9964": "ijgi",  # ISPRS Int. J. Geo-Information
    "2076-3417": "app",  # Applied Sciences
    "2504-446X": "drones",
    "2073-445X": "land",
    "1999-4907": "f",  # Forests
    "2073-4441": "w",  # Water
    "2071-1050": "su",  # Sustainability
    "2079-9292": "electronics",
    "2313-433X": "jimaging",
}

# Hosts that identify a paper page but carry no identifier we can read:
# the resolver must search by title for these.
HOST_KINDS = {
    "ieeexplore.ieee.org": "ieee",
    "openaccess.thecvf.com": "cvf",
    "proceedings.neurips.cc": "neurips",
    "papers.nips.cc": "neurips",
    "openreview.net": "openreview",
    "www.sciencedirect.com": "sciencedirect",
    "sciencedirect.com": "sciencedirect",
    "link.springer.com": "springer",
    "dl.acm.org": "acm",
    "aclanthology.org": "acl",
    "proceedings.mlr.press": "pmlr",
    "ojs.aaai.org": "aaai",
    "github.com": "github",
    "huggingface.co": "huggingface",
}


@dataclass(frozen=True)
class LinkInfo:
    """What a link tells the resolver: its kind and any identifier in it."""

    kind: str  # arxiv, doi, mdpi, ieee, cvf, neurips, openreview, github, other, ...
    arxiv_id: str | None = None
    doi: str | None = None


def clean(text: str) -> str:
    """Strip whitespace and invisible characters (zero-width spaces, soft hyphens)."""
    return (text if text.isascii() else text.translate(_INVISIBLE)).strip()  # they are not ASCII


def normalize_arxiv_id(value: str) -> str | None:
    """Return the version-less arXiv id in `value`, or None.

    Accepts bare ids (`2312.10115v2`, `astro-ph/0601001`), `arXiv:` prefixes,
    abs/pdf/html URLs and arXiv DataCite DOIs (`10.48550/arXiv.2312.10115`).
    """
    value = clean(value)
    if value.lower().startswith(("10.48550/arxiv.", "https://doi.org/10.48550/arxiv.")):
        value = value.split("arXiv.", 1)[-1].split("arxiv.", 1)[-1]
    match = _NEW_ARXIV.search(value) or _OLD_ARXIV.search(value)
    return match.group(1) if match else None


def normalize_doi(value: str) -> str | None:
    """Return the lower-case bare DOI in `value` (a DOI, `doi:` or doi.org URL), or None."""
    value = unquote(clean(value))
    match = _DOI.search(value)
    if not match:
        return None
    doi = match.group(1).split("?", 1)[0].split("#", 1)[0]
    doi = doi.rstrip(_DOI_TRAILING).rstrip("/")
    return doi.lower() or None


def is_arxiv_doi(doi: str | None) -> bool:
    """True for arXiv's own DataCite DOIs, which are never a paper's published DOI."""
    return doi is not None and doi.lower().startswith(ARXIV_DATACITE_PREFIX)


def publication_doi(doi: str | None) -> str | None:
    """The DOI normalised, or None when it is missing or an arXiv DataCite DOI."""
    normalized = normalize_doi(doi) if doi else None
    return None if is_arxiv_doi(normalized) else normalized


def _mdpi_doi(path: str) -> str | None:
    parts = [p for p in path.split("/") if p]
    if len(parts) < 4 or parts[0].upper() not in MDPI_JOURNALS:
        return None
    code = MDPI_JOURNALS[parts[0].upper()]
    volume, issue, article = parts[1:4]
    if not (volume.isdigit() and issue.isdigit() and article.isdigit()):
        return None
    return f"10.3390/{code}{int(volume)}{int(issue):02d}{int(article):04d}"


def read_link(url: str | None) -> LinkInfo | None:
    """Classify a paper link and read any arXiv id or DOI from it."""
    if not url:
        return None
    url = clean(unquote(url))  # markdown-it percent-encodes what it finds odd, invisible chars too
    if plain := _PLAIN_URL.match(url):
        host, path = plain.group(1).lower(), plain.group(2) or ""
    else:
        parts = urlsplit(url)
        host, path = (parts.hostname or "").lower(), parts.path
    if host.endswith("arxiv.org"):
        arxiv_id = normalize_arxiv_id(path)
        return LinkInfo("arxiv", arxiv_id=arxiv_id)
    if host in ("doi.org", "dx.doi.org", "www.doi.org"):
        doi = normalize_doi(path.lstrip("/"))
        if doi is not None and is_arxiv_doi(doi):
            return LinkInfo("arxiv", arxiv_id=normalize_arxiv_id(doi))
        return LinkInfo("doi", doi=doi)
    if host.endswith("mdpi.com"):
        return LinkInfo("mdpi", doi=_mdpi_doi(path))
    kind = HOST_KINDS.get(host) or HOST_KINDS.get(host.removeprefix("www."))
    # Journal sites that put the DOI in the path (".../article/doi/10.13203/...").
    doi = normalize_doi(path) if "/doi/" in path.lower() else None
    if doi:
        return LinkInfo("doi", doi=doi)
    kind = kind or "other"
    return _KIND_ONLY.get(kind) or LinkInfo(kind)


_KIND_ONLY = {kind: LinkInfo(kind) for kind in (*HOST_KINDS.values(), "other")}  # frozen: shared
