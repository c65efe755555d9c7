"""Network settings, read from the environment once per run."""

from __future__ import annotations

import os
from dataclasses import dataclass

from rsbib import RsbibError, __version__

DEFAULT_ARXIV_URL = "https://export.arxiv.org/api/query"
DEFAULT_CROSSREF_URL = "https://api.crossref.org"
DEFAULT_DBLP_URL = "https://dblp.org/search/publ/api"


class SettingsError(RsbibError, ValueError):
    """An environment variable rsbib reads holds a value it cannot use."""


def _float(name: str, default: float) -> float:
    value = _optional(name)
    return default if value is None else value


def _optional(name: str) -> float | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    try:
        return float(value)
    except ValueError:
        raise SettingsError(f"{name}={value!r} is not a number") from None


@dataclass(frozen=True)
class Settings:
    """Where the services are and how politely to ask them.

    The pace of each service is what it allows today (rsbib/sources/base.py,
    ALLOWED). RSBIB_ARXIV_DELAY, RSBIB_DBLP_DELAY and RSBIB_CROSSREF_RATE
    (both kinds of Crossref request) override it, and RSBIB_PACE_SCALE
    multiplies every interval: faster than allowed is for a local stand-in
    only; the live services block clients that ask faster.
    """

    arxiv_url: str = DEFAULT_ARXIV_URL
    crossref_url: str = DEFAULT_CROSSREF_URL
    dblp_url: str = DEFAULT_DBLP_URL
    mailto: str | None = None
    arxiv_delay: float | None = None  # s between requests; None: what arXiv allows
    dblp_delay: float | None = None  # s between requests; None: what DBLP allows
    crossref_rate: float | None = None  # requests a second of either kind; None: what Crossref allows
    pace_scale: float = 1.0  # multiplies every allowed interval (a stand-in's scaled rules)
    timeout: float = 20.0
    retries: int = 4
    backoff: float = 2.0  # seconds before the first retry; doubled each time

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            arxiv_url=os.environ.get("RSBIB_ARXIV_URL") or DEFAULT_ARXIV_URL,
            crossref_url=(os.environ.get("RSBIB_CROSSREF_URL") or DEFAULT_CROSSREF_URL).rstrip("/"),
            dblp_url=os.environ.get("RSBIB_DBLP_URL") or DEFAULT_DBLP_URL,
            mailto=os.environ.get("RSBIB_MAILTO") or None,
            arxiv_delay=_optional("RSBIB_ARXIV_DELAY"),
            crossref_rate=_optional("RSBIB_CROSSREF_RATE"),
            dblp_delay=_optional("RSBIB_DBLP_DELAY"),
            pace_scale=_float("RSBIB_PACE_SCALE", 1.0),
            timeout=_float("RSBIB_TIMEOUT", 20.0),
            retries=int(_float("RSBIB_RETRIES", 4)),
            backoff=_float("RSBIB_BACKOFF", 2.0),
        )

    @property
    def user_agent(self) -> str:
        """rsbib's name and version, and the user's contact when given (arXiv asks for one)."""
        contact = f" (mailto:{self.mailto})" if self.mailto else ""
        return f"rsbib/{__version__}{contact}"
