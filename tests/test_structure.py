"""The code's shape: SQL only in rsbib/store, no import cycle, no module over 400 lines, none loose at the top."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "rsbib"
MAX_LINES = 400
# Modules allowed over MAX_LINES, each with the reason (keep this short).
LONG_MODULES: dict[str, str] = {}
# The only modules directly in rsbib/: the package itself and the RSBIB_* environment. Everything
# else lives in the package of its job (the CLI entry point is the rsbib.cli package).
TOP_LEVEL = {"__init__.py", "settings.py"}


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of rsbib."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported(name: str, path: Path, known: dict[str, Path], everywhere: bool = False) -> set[str]:
    """The rsbib modules `name` imports when it is loaded (with `everywhere`: in functions too).

    Imports under `if TYPE_CHECKING:` never run, so they are left out.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST, top: bool) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            targets = []
        found.update(t for t in targets if t in known and t != name)
        for child in ast.iter_child_nodes(node):
            inside = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if top and inside and not everywhere:
                continue
            visit(child, top)

    visit(tree, True)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return groups


def import_graph(everywhere: bool = False) -> dict[str, set[str]]:
    known = modules()
    return {name: imported(name, path, known, everywhere) for name, path in known.items()}


def test_no_import_cycle_among_rsbib_modules():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path):
    """The check above can fail: a module pair importing each other is found (in a toy package)."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    (tmp_path / "one.py").write_text("from .two import x\n")
    (tmp_path / "two.py").write_text("def f():\n    from .one import y\n")
    known = {"p.one": tmp_path / "one.py", "p.two": tmp_path / "two.py"}
    assert imported("p.one", known["p.one"], known) == {"p.two"}
    assert imported("p.two", known["p.two"], known) == set()  # inside a function: not at load
    assert imported("p.two", known["p.two"], known, everywhere=True) == {"p.one"}


def test_no_cycle_is_dodged_by_an_import_inside_a_function():
    """Imports inside functions count too: none of them closes a cycle (library.py and
    corrections.py once imported each other that way)."""
    assert cycles(import_graph(everywhere=True)) == []


# Calls that speak SQL, or sqlite-utils' table API, wherever they are made.
SQL_CALLS = {"execute", "executemany", "executescript", "query", "table", "rows_where", "count_where",
             "table_names", "view_names", "insert_all", "upsert_all", "delete_where", "enable_fts", "atomic"}
# `datasette.urls.table(...)` builds a URL; it is no table call.
NOT_SQL_RECEIVERS = {"urls"}
SQL_TEXT = re.compile(r"\bSELECT\b.*\bFROM\b|\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|"
                      r"\bDELETE\s+FROM\b|\b(CREATE|ALTER|DROP)\s+(TABLE|INDEX|VIEW|TRIGGER)\b|\bPRAGMA\s+\w+",
                      re.DOTALL)
# Modules other helpers empty of SQL in parallel (issue 22); the coordinator removes these after merging.


def sql_spoken(source: str) -> list[str]:
    """Where a module's text speaks SQL: `line: what`, for calls and for SQL written in strings."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS:
            receiver = node.func.value
            name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
            if name not in NOT_SQL_RECEIVERS:
                found.append(f"{node.lineno}: .{node.func.attr}(")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_TEXT.search(node.value):
            found.append(f"{node.lineno}: SQL text {node.value[:40]!r}")
    return found


def test_sql_is_spoken_only_in_the_store():
    """SQL (execute, query, sqlite-utils table calls, SQL in strings) lives in rsbib/store alone."""
    speaking = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(ROOT).as_posix()
        if where.startswith("rsbib/store/"):
            continue
        found = sql_spoken(path.read_text(encoding="utf-8"))
        if found:
            speaking[where] = found
    assert speaking == {}, f"move this SQL into a repository of rsbib/store: {speaking}"


def test_the_sql_finder_finds_sql():
    """The check above can fail: each way of speaking SQL is found; a URL builder and prose are not."""
    module = (
        'def f(library, datasette):\n'
        '    library.db.execute("PRAGMA user_version")\n'
        '    rows = library.db.table("works").rows_where("doi = ?", [1])\n'
        '    where = f"SELECT id FROM works WHERE {rows}"\n'
        '    n = library.db.table("entries").count_where("listed = 1")\n'
        '    url = datasette.urls.table("library", "papers")\n'
        '    """Select the rows from the list; update them."""\n'
    )
    assert sorted(sql_spoken(module)) == [
        "2: .execute(", "2: SQL text 'PRAGMA user_version'", "3: .rows_where(", "3: .table(",
        "4: SQL text 'SELECT id FROM works WHERE '", "5: .count_where(", "5: .table("]
    store_module = (PACKAGE / "store" / "entries.py").read_text(encoding="utf-8")
    assert sql_spoken(store_module), "the finder must see the store's own SQL"


def test_no_module_over_400_lines():
    lengths = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()}
    too_long = {name: n for name, n in lengths.items() if n > MAX_LINES and name not in LONG_MODULES}
    assert too_long == {}, f"split these by concern (or name them in LONG_MODULES with a reason): {too_long}"
    assert set(LONG_MODULES) <= set(lengths), "LONG_MODULES names a module that no longer exists"


def loose_modules(package: Path) -> list[str]:
    """The modules directly in `package` that TOP_LEVEL does not allow (sub-packages are fine)."""
    return sorted(path.name for path in package.glob("*.py") if path.name not in TOP_LEVEL)


def test_no_module_outside_the_packages_by_job():
    assert loose_modules(PACKAGE) == [], "move these into the package of their job (README, Development)"


def test_a_loose_module_is_found(tmp_path):
    """The check above can fail: a module beside settings.py is named; one in a sub-package is not."""
    for name in ("__init__.py", "settings.py", "helpers.py", "store/__init__.py", "store/extra.py"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("")
    assert loose_modules(tmp_path) == ["helpers.py"]


def test_ci_checks_types_and_lint_before_the_tests():
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    checks = [n for n, line in enumerate(lines) if line in (".venv/bin/mypy", ".venv/bin/ruff check .")]
    assert len(checks) == 2 and max(checks) < len(lines) - 1 and lines[-1].endswith("pytest")
