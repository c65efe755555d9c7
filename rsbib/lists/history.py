"""What the list looked like at each sync: one recorded version per distinct list read.

A version holds the rows as parsed (table, line, abbreviation, title, label,
links) and the paper each row resolved to at the end of that sync, so
`rsbib changes` can tell rows added, removed, moved and edited, and papers
published since. A sync that read the same list with the same answers
records nothing: versions are kept only when something differs.
The library keeps them (rsbib.store.versions); this module says what a version is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The columns of a recorded row: from the list, then from the work it cites.
ROW_COLUMNS = ("row_key", "category", "line", "abbreviation", "title", "publication",
               "paper_url", "code_url", "status")
WORK_COLUMNS = ("citekey", "doi", "arxiv_id", "type", "venue", "year")


@dataclass
class Version:
    """One recorded list: which run recorded it, when, and its rows."""

    id: int | None
    run_id: int | None
    recorded_at: str | None
    source: str | None
    rows: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        return {"version": self.id, "run": self.run_id, "recorded_at": self.recorded_at,
                "source": self.source, "rows": len(self.rows)}


EMPTY = Version(None, None, None, None, [])
