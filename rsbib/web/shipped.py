"""The shipped Datasette metadata (facets, labels, canned queries, hidden tables)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

SHIPPED_NAME = "library"  # the database name the shipped metadata.json describes


def metadata(db_path: str | Path) -> dict:
    """Datasette metadata for a library file, under the name Datasette gives it (the file stem)."""
    data = json.loads(resources.files("rsbib.data").joinpath("metadata.json").read_text("utf-8"))
    stem = Path(db_path).stem
    if stem != SHIPPED_NAME:
        data["databases"][stem] = data["databases"].pop(SHIPPED_NAME)
    return data
