"""Where a changed list goes (`check --fix`, `add`): the --source file (--in-place) or -o FILE, never both."""

from __future__ import annotations

import os
import re

from rsbib import RsbibError


def check_list_target(source: str | None, in_place: bool, output: str | None) -> None:
    """RsbibError (exit 2, nothing read or written) for a target that cannot be, or would overwrite the source."""
    if in_place and not source:
        raise RsbibError("--in-place needs --source: the embedded list cannot be changed")
    if in_place and source and re.match(r"^https?://", source, re.IGNORECASE):
        raise RsbibError("--in-place needs a file; the list was read from a URL (use -o FILE)")
    if in_place and output:
        raise RsbibError("give -o FILE or --in-place, not both")
    if output and source and os.path.abspath(output) == os.path.abspath(source):
        raise RsbibError("-o names the source file; use --in-place to overwrite it")


def list_target(source: str | None, in_place: bool, output: str | None) -> str | None:
    """The file the changed list is written to (None: nowhere)."""
    return source if in_place else output
