"""How long an upgrade will ask the services, said before it starts.

The services run side by side, each at what it allows (rsbib/sources/base.py,
ALLOWED): the estimate is the slowest service's share, counted from the
requests the plan can need at most (answers already in the cache make it
shorter; arXiv and Crossref often settle an entry before DBLP is asked).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

from rsbib.metadata.records import RowToResolve
from rsbib.settings import Settings
from rsbib.sources.client import allowed_by

ARXIV_IDS, ARXIV_TITLES, CROSSREF_DOIS = 100, 20, 50  # per request, as the sources batch them


def most_requests(rows: Sequence[RowToResolve], settled: Collection[int]) -> dict[str, int]:
    """The most requests each service can be sent for these rows (DBLP only for the unsettled)."""
    arxiv_ids = sum(1 for r in rows if r.arxiv_id)
    dois = sum(1 for r in rows if r.doi and not r.arxiv_id)
    titled = sum(1 for r in rows if not r.arxiv_id and not r.doi)
    return {
        "arxiv": math.ceil(arxiv_ids / ARXIV_IDS) + math.ceil((titled + dois) / ARXIV_TITLES),
        "crossref": math.ceil(dois / CROSSREF_DOIS) + titled + arxiv_ids,
        "dblp": sum(1 for r in rows if r.id not in settled),
    }


def seconds(requests: dict[str, int], settings: Settings) -> dict[str, float]:
    """Each service's share of the time, at the pace it allows (its slowest kind of request)."""
    spent = {}
    for service, count in requests.items():
        slowest = max(a.interval for a in allowed_by(service, settings).values())
        spent[service] = count * slowest
    return spent


def say(rows: Sequence[RowToResolve], settled: Collection[int], settings: Settings) -> str | None:
    """One line for stderr: how many entries are asked, and how long it takes at most; None if none."""
    if not rows:
        return None
    requests = most_requests(rows, settled)
    spent = seconds(requests, settings)
    longest = max(spent.values())
    shown = f"{longest / 60:.0f} min" if longest >= 90 else f"{longest:.0f} s"
    parts = ", ".join(f"{name} {requests[key]}" for key, name in
                      (("arxiv", "arXiv"), ("crossref", "Crossref"), ("dblp", "DBLP")))
    return (f"Asking the services about {len(rows)} entries: at most {shown} at their pace "
            f"(at most {parts} requests; answers kept from earlier runs are not asked again).")
