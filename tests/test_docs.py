"""docs/architecture.md names every package and module of rsbib, and only those."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import ROOT

ARCHITECTURE = ROOT / "docs" / "architecture.md"


def packages(root: Path) -> dict[str, set[str]]:
    """Package path (`rsbib/store/`) -> the file names of its modules, for every package under `root`."""
    return {f"{init.parent.relative_to(root.parent).as_posix()}/":
            {p.name for p in init.parent.glob("*.py") if p.name != "__init__.py"}
            for init in root.rglob("__init__.py") if init.parent != root}


def described(text: str) -> dict[str, set[str]]:
    """Package section (### `rsbib/x/`) -> the module names (`name.py`) its text mentions."""
    sections = re.findall(r"^### `(rsbib/[\w/]+/)`\n(.*?)(?=^#)", text + "\n#", flags=re.M | re.S)
    return {name: set(re.findall(r"`(\w+\.py)`", body)) - {"__init__.py"} for name, body in sections}


def stale(text: str, root: Path) -> list[str]:
    """What the architecture page leaves out or names wrongly, one line each."""
    actual, told = packages(root), described(text)
    found = [f"{p}: no section" for p in actual.keys() - told.keys()]
    found += [f"{p}: a section for no package" for p in told.keys() - actual.keys()]
    for package in actual.keys() & told.keys():
        found += [f"{package}{m}: not described" for m in actual[package] - told[package]]
        found += [f"{package}{m}: no such module" for m in told[package] - actual[package]]
    return sorted(found)


def test_the_architecture_page_names_every_module():
    assert stale(ARCHITECTURE.read_text(), ROOT / "rsbib") == []


def test_a_module_the_page_does_not_know_is_found(tmp_path):
    """The check above can fail: a new module, a new package and a module that is gone are each named."""
    for name in ("rsbib/__init__.py", "rsbib/store/__init__.py", "rsbib/store/schema.py",
                 "rsbib/store/runs.py", "rsbib/extra/__init__.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    page = "### `rsbib/store/`\n\n`schema.py` (the tables), `keys.py` (keys).\n"
    assert stale(page, tmp_path / "rsbib") == ["rsbib/extra/: no section", "rsbib/store/keys.py: no such module",
                                               "rsbib/store/runs.py: not described"]
