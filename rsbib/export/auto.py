"""Export targets declared once beside the library, refreshed at the end of every sync.

`rsbib.toml` in the library's folder (or, when there is none, `[tool.rsbib]` of a
`pyproject.toml` there) declares them; paths are relative to that file:

    [[export]]
    path = "paper/refs.bib"
    format = "biblatex"            # bibtex (default), biblatex, csl-json
    aux = "paper/main.aux"         # only what the paper cites (a string or a list), or
    # categories = ["vision"]      # these tables; neither: every paper
    resolved-only = false
    order = "document"             # with aux: document (default) or library
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rsbib import RsbibError
from rsbib.export.formats import NAMES as FORMATS

if TYPE_CHECKING:
    from rsbib.store.library import Library

Write = Callable[[str, str], object]  # write(path, text), as rsbib.files.output.write_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG = "rsbib.toml"
KEYS = {"path", "format", "aux", "categories", "resolved-only", "order"}


class ConfigError(RsbibError, ValueError):
    """A declaration that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Target:
    path: Path
    format: str = "bibtex"
    aux: tuple[Path, ...] = ()
    categories: tuple[str, ...] = ()
    resolved_only: bool = False
    document_order: bool = True
    declared_in: str = CONFIG  # "rsbib.toml: export[1]", for messages


def load_targets(library_path: str | Path) -> list[Target]:
    """The targets declared beside the library (none when nothing declares any)."""
    folder = Path(library_path).resolve().parent
    own, project = folder / CONFIG, folder / "pyproject.toml"
    if own.exists():
        return _targets(_read(own), own, "")
    if project.exists():
        table = _read(project).get("tool", {}).get("rsbib")
        return _targets(table, project, "tool.rsbib.") if table is not None else []
    return []


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _targets(table: Any, path: Path, prefix: str) -> list[Target]:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {prefix.rstrip('.')}: must be a table")
    unknown = sorted(set(table) - {"export"})
    if unknown:
        raise ConfigError(f"{path}: {prefix}{unknown[0]}: unknown key (declare targets as [[{prefix}export]])")
    declared = table.get("export", [])
    if not isinstance(declared, list) or not all(isinstance(t, dict) for t in declared):
        raise ConfigError(f"{path}: {prefix}export: must be an array of tables ([[{prefix}export]])")
    return [_target(t, path, f"{prefix}export[{n}]") for n, t in enumerate(declared, 1)]


def _target(table: dict[str, Any], path: Path, name: str) -> Target:
    def bad(key: str, reason: str) -> ConfigError:
        return ConfigError(f"{path}: {name}.{key}: {reason}")

    for key in table:
        if key not in KEYS:
            raise bad(key, f"unknown key (known: {', '.join(sorted(KEYS))})")
    if not isinstance(table.get("path"), str) or not table["path"].strip():
        raise bad("path", "required: the file to write")
    fmt = table.get("format", "bibtex")
    if fmt not in FORMATS:
        raise bad("format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
    aux, categories = (_strings(table, key, bad) for key in ("aux", "categories"))
    if aux and categories:
        raise bad("aux", "give aux or categories, not both")
    resolved_only = table.get("resolved-only", False)
    if not isinstance(resolved_only, bool):
        raise bad("resolved-only", "must be true or false")
    order = table.get("order", "document")
    if order not in ("document", "library"):
        raise bad("order", f"{order!r} is not document or library")
    base = path.parent
    return Target(base / table["path"], fmt, tuple(base / a for a in aux), categories,
                  resolved_only, order == "document", f"{path}: {name}")


def _strings(table: dict[str, Any], key: str, bad: Callable[[str, str], ConfigError]) -> tuple[str, ...]:
    value = table.get(key, [])
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise bad(key, "must be a string or a list of strings")
    if key in table and not values:
        raise bad(key, "is empty")
    return tuple(values)


def refresh(library: Library, targets: list[Target], write: Write) -> tuple[list[str], list[str]]:
    """Write every target with `write(path, text)`; the lines to report, and the targets that failed."""
    from rsbib.bib.cited import AuxError
    from rsbib.export import CategoryError
    from rsbib.export.pipeline import ExportOptions, export

    report, failed = [], []
    for target in targets:
        options = ExportOptions(format=target.format, categories=target.categories,
                                resolved_only=target.resolved_only,
                                aux_files=tuple(str(a) for a in target.aux),
                                document_order=target.document_order)
        try:
            done = export(library, options)  # its warnings are `rsbib export`'s to show
            report += [f"warning: {target.path}: {line}" for line in done.missing]
            write(str(target.path), done.text)
        except CategoryError as exc:
            failed.append(f"{target.declared_in}.categories: {exc}")
        except AuxError as exc:
            failed.append(f"{target.declared_in}: {target.path} not written: {exc}")
        except OSError as exc:
            failed.append(f"{target.declared_in}: {target.path} not written: {exc.strerror or exc}")
        else:
            report.append(f"Auto-export: {len(done.items)} entries written to {target.path}")
    return report, failed


def refresh_after_sync(db_path: str, targets: list[Target], write: Write) -> tuple[list[str], list[str]]:
    """`refresh` on the library just synced, opened read-only (no target: nothing is opened)."""
    from rsbib.store.opening import open_library

    if not targets:
        return [], []
    with open_library(db_path, readonly=True) as library:
        return refresh(library, targets, write)
