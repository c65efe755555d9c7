"""Issue 22, step 4: one error base (RsbibError: exit code + one line), said in one place of the CLI,
and every command a thin wrapper over one options object."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import rsbib
from rsbib import RsbibError
from tests.conftest import ROOT, run

CLI = ROOT / "rsbib" / "cli"


def error_classes(package) -> dict[str, type]:
    """Every exception class a module of `package` defines (private ones too), by dotted name."""
    found = {}
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        if info.name.endswith(".__main__"):
            continue  # `python -m rsbib.cli`: importing it runs the command
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, BaseException)
                    and value.__module__ == info.name):
                found[f"{info.name}.{name}"] = value
    return found


def handlers(source: str) -> int:
    """How many `except` clauses the source has."""
    return sum(isinstance(node, ast.ExceptHandler) for node in ast.walk(ast.parse(source)))


def test_every_rsbib_error_derives_from_the_one_base():
    found = error_classes(rsbib)
    # `_DryRun` is no error: rekey --dry-run raises it to roll its transaction back, and catches it.
    outside = sorted(n for n, c in found.items() if not issubclass(c, RsbibError) and not n.endswith("._DryRun"))
    assert outside == []
    assert len(found) >= 15  # the finder sees them all (SourceError, BibError, OutputError, ...)


def test_the_finder_finds_an_error_outside_the_base(tmp_path, monkeypatch):
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "__init__.py").write_text("")
    (tmp_path / "toy" / "bad.py").write_text("class Bad(ValueError):\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    toy = importlib.import_module("toy")
    assert [n for n, c in error_classes(toy).items() if not issubclass(c, RsbibError)] == ["toy.bad.Bad"]


def test_the_cli_handles_errors_in_one_place_only():
    """Commands.invoke in rsbib/cli/app.py is the only code of the CLI that catches anything."""
    counts = {p.name: handlers(p.read_text(encoding="utf-8")) for p in sorted(CLI.glob("*.py"))}
    assert {name: n for name, n in counts.items() if n} == {"app.py": 3}  # RsbibError, closed pipe, OSError
    assert handlers("try:\n    pass\nexcept ValueError:\n    pass\n") == 1  # the count can see one


def test_cli_modules_hold_no_sql():
    for path in CLI.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not any(word in text for word in ("execute(", "SELECT ", ".query(", "rows_where(")), path


@pytest.mark.parametrize("args,code,line", [
    (("sync", "--offline", "--refresh"), 2, "rsbib: --offline and --refresh contradict each other"),
    (("search", "--db", "library.db", "zzzqqq"), 1, "rsbib: nothing matches 'zzzqqq'"),
    (("export", "--db", "library.db", "--keys", ","), 2, "rsbib: --keys names no key"),
    (("pin", "--db", "library.db", "999999"), 2,
     "rsbib: no row at '999999' (a line of the list, or a citation key)"),
    (("changes", "--db", "library.db", "--since", "x"), 2,
     "rsbib: library.db: --since 'x': give a sync run number or a date (YYYY-MM-DD)"),
    (("status", "--db", "no/such.db"), 2,
     "rsbib: no/such.db: no such library (run `rsbib sync --db no/such.db` first)"),
])
def test_an_error_is_one_line_and_its_exit_code(args, code, line, monkeypatch):
    monkeypatch.chdir(ROOT)
    before = (ROOT / "library.db").read_bytes()
    result = run(*args)
    assert (result.exit_code, result.stderr) == (code, line + "\n")
    assert result.stdout == ""
    assert (ROOT / "library.db").read_bytes() == before


def test_options_objects_check_themselves():
    """The rules between options hold for any caller, not only for the CLI."""
    from rsbib.bib.upgrade_file import UpgradeOptions
    from rsbib.lists.add_paper import AddOptions
    from rsbib.lists.check import CheckOptions
    from rsbib.resolve.sync import SyncOptions

    for make, message in [
        (lambda: SyncOptions(offline=True, refresh=True), "--offline and --refresh contradict each other"),
        (lambda: CheckOptions(fix=True), "--fix needs -o FILE or --in-place"),
        (lambda: AddOptions("2306.11029", code_url="ftp://x"), "--code 'ftp://x' is not an http(s) URL"),
        (lambda: UpgradeOptions("-", in_place=True), "--in-place needs a file, not stdin"),
    ]:
        with pytest.raises(RsbibError) as caught:
            make()
        assert (caught.value.message, caught.value.exit_code) == (message, 2)
    assert SyncOptions(offline=True).offline  # a consistent set is made


def test_sync_takes_one_options_object():
    """`sync` once took 11 parameters; the library call now takes the library, the list and two objects."""
    from rsbib.resolve.sync import sync, sync_list

    assert list(inspect.signature(sync).parameters) == ["library", "text", "name", "options", "hooks"]
    assert list(inspect.signature(sync_list).parameters) == ["options", "hooks"]


def test_error_base_lives_in_the_package_root():
    assert Path(inspect.getfile(RsbibError)).name == "__init__.py"
    assert RsbibError("x").exit_code == 2 and RsbibError("one line").message == "one line"
