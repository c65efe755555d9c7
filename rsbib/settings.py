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
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return float(value)
    except ValueError:
        raise SettingsError(f"{name}={value!r} is not a number") from None


@dataclass(frozen=True)
class Settings:
    """Where the services are and how politely to ask them.

    RSBIB_ARXIV_DELAY below arXiv's 3 s and RSBIB_DBLP_DELAY below DBLP's
    1.5 s are for a local stand-in only; the live services block clients that
    ask faster.
    """

    arxiv_url: str = DEFAULT_ARXIV_URL
    crossref_url: str = DEFAULT_CROSSREF_URL
    dblp_url: str = DEFAULT_DBLP_URL
    mailto: str | None = None
    arxiv_delay: float = 3.0
    dblp_delay: float = 1.5  # DBLP: "at least one or two seconds between requests is always fine"
    crossref_rate: float = 10.0  # requests a second, lowered by x-rate-limit-* headers
    crossref_concurrency: int = 5
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
            arxiv_delay=_float("RSBIB_ARXIV_DELAY", 3.0),
            crossref_rate=_float("RSBIB_CROSSREF_RATE", 10.0),
            dblp_delay=_float("RSBIB_DBLP_DELAY", 1.5),
            timeout=_float("RSBIB_TIMEOUT", 20.0),
            retries=int(_float("RSBIB_RETRIES", 4)),
            backoff=_float("RSBIB_BACKOFF", 2.0),
        )

    @property
    def user_agent(self) -> str:
        """rsbib's name and version, and the user's contact when given (arXiv asks for one)."""
        contact = f" (mailto:{self.mailto})" if self.mailto else ""
        return f"rsbib/{__version__}{contact}"
