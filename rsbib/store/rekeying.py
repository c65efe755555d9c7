"""`rsbib rekey` as one call: generated citation keys made again from the current metadata."""

from __future__ import annotations

from dataclasses import dataclass

from rsbib.store.opening import open_library


@dataclass(frozen=True)
class RekeyOptions:
    db_path: str = "library.db"
    dry_run: bool = False  # say what would change, change nothing (the change is rolled back)


def rekey(options: RekeyOptions) -> list[tuple[str, str]]:
    """(old key, new key) for each key that changes (or would, on a dry run)."""
    with open_library(options.db_path, must_exist=True) as library:
        return library.keys.rekey(dry_run=options.dry_run)
