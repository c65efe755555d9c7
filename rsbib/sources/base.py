"""What every metadata source is to the resolver: one interface, and failures as typed values.

A source answers two questions: records for identifiers it owns (`lookup`)
and candidates for titles (`search`). It counts its requests and failures,
and says whether its records are preprints or versions of record (`kind`),
which decides where the resolver files them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from rsbib import RsbibError
from rsbib.metadata.records import WorkRecord

Kind = Literal["preprint", "record"]


class SourceFailure(RsbibError):
    """A question the service could not answer this time. Subclasses say why; match on them."""

    retry = True  # worth asking again within this run

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class NotFound(SourceFailure):
    """The service holds no record for this identifier (HTTP 404)."""

    retry = False


class Rejected(SourceFailure):
    """The service refused the question itself (a 4xx other than 404 and 429)."""

    retry = False


class RateLimited(SourceFailure):
    """The service asked us to slow down (429, or 503 with Retry-After)."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class Transient(SourceFailure):
    """A bad moment: a 5xx, a timeout, a connection dropped mid-answer."""


class BadAnswer(SourceFailure):
    """An answer that is not what the service promises (truncated, HTML, an error feed)."""


class Unreachable(SourceFailure):
    """No connection at all: refused, unknown host, no route."""


class Unexpected(SourceFailure):
    """An error the client raised that none of the above explains (not retried)."""

    retry = False


@dataclass
class Lookup:
    """The answer to a batch of identifiers: records found, and a typed failure for each other id."""

    found: dict[str, WorkRecord] = field(default_factory=dict)
    failures: dict[str, SourceFailure] = field(default_factory=dict)


Answers = dict[str, "list[WorkRecord] | SourceFailure"]


@runtime_checkable
class Source(Protocol):
    """One metadata service, as the resolver sees it."""

    name: str  # "arxiv", "crossref": also the `service` of its stored answers and run figures
    # (optional `label`: how messages name it, "arXiv"; the name when absent)
    kind: Kind  # its records are preprints, or versions of record
    id_kind: str | None  # the identifier `lookup` takes ("arxiv", "doi"), or None
    url: str  # base URL, as configured
    requests: int  # requests sent so far (retries included)
    failures: int  # questions it gave up on so far

    @property
    def pacing(self) -> str:
        """How it paces itself, in words (for messages and the run record)."""
        ...

    def lookup(self, ids: Sequence[str]) -> Lookup:
        """Records for identifiers of its `id_kind`."""
        ...

    def search(self, texts: Sequence[str]) -> Answers:
        """Candidate records for each title (or title and author) text."""
        ...
