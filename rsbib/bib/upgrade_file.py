"""`rsbib upgrade` as one call: a .bib file read, upgraded with the library's answers, the answers kept."""

from __future__ import annotations

import os
from dataclasses import dataclass

from rsbib import RsbibError
from rsbib.bib.file import load
from rsbib.bib.upgrade import UpgradeResult, upgrade
from rsbib.resolve.cache import AnswerCache
from rsbib.settings import Settings
from rsbib.store.library import Library


@dataclass(frozen=True)
class UpgradeOptions:
    """`rsbib upgrade`'s options; checked when made (RsbibError, exit 2, for ones that contradict)."""

    bib_path: str  # '-' is stdin
    db_path: str = "library.db"
    output: str | None = None
    in_place: bool = False
    dry_run: bool = False
    overwrite: bool = False

    def __post_init__(self) -> None:
        if self.in_place and self.output:
            raise RsbibError("give -o FILE or --in-place, not both")
        if self.in_place and self.bib_path == "-":
            raise RsbibError("--in-place needs a file, not stdin")
        if (self.output and self.output != "-"
                and os.path.abspath(self.output) == os.path.abspath(self.bib_path)):
            raise RsbibError("-o names the input file; use --in-place to replace it")

    @property
    def target(self) -> str | None:
        """Where the upgraded file goes ('-' is stdout; None on a dry run)."""
        if self.dry_run:
            return None
        return self.bib_path if self.in_place else (self.output or "-")


@dataclass
class UpgradeRun:
    result: UpgradeResult
    created_library: bool  # the library did not exist and was made to keep the answers


def upgrade_file(options: UpgradeOptions) -> UpgradeRun:
    """Upgrade the file; a dry run never writes the library (nor makes one)."""
    from rsbib.store.opening import open_library

    text = load(options.bib_path)
    settings = Settings.from_env()
    new_library = not os.path.exists(options.db_path)
    if options.dry_run and new_library:
        return UpgradeRun(_upgrade_with(None, text, options, settings), created_library=False)
    with open_library(options.db_path, readonly=options.dry_run) as library:
        result = _upgrade_with(library, text, options, settings)
    return UpgradeRun(result, created_library=new_library)


def _upgrade_with(library: Library | None, text: str, options: UpgradeOptions,
                  settings: Settings) -> UpgradeResult:
    """The upgrade with the library's answer cache, saved even when the upgrade fails."""
    cache = AnswerCache(library)
    try:
        return upgrade(text, options.bib_path, cache, settings, options.overwrite)
    finally:
        cache.save()
