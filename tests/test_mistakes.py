"""Issue 11: nothing a user does by mistake loses the library (each finding replayed)."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from rsbib.lists.parse import embedded_list_text
from rsbib.metadata.records import WorkRecord
from rsbib.store.library import Library, Outcome
from rsbib.store.synclock import sync_lock
from tests.conftest import ROOT, TEST_ENV, run
from tests.standin import StandIn

UNREACHABLE = {"RSBIB_ARXIV_URL": "http://127.0.0.1:9/api/query",
               "RSBIB_CROSSREF_URL": "http://127.0.0.1:9", "RSBIB_RETRIES": "0"}


def rows(db) -> list[tuple]:
    """What the library says about each row: status, work, key and note."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT e.line, e.status, w.citekey, e.citekey, e.note FROM entries e "
                            "LEFT JOIN works w ON w.id = e.work_id ORDER BY e.line").fetchall()
    finally:
        conn.close()


def cli(*args, env=None, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "rsbib.cli", *args], env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, **kw)


# -- 1. a wrong --source is refused before anything is written ------------------------------

@pytest.fixture(scope="module")
def http_root():
    """pyproject.toml (and anything else of the repository) served over http."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(ROOT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


WRONG = {
    "empty file": (b"", "an empty file"),
    "random bytes": (bytes(range(256)) * 40, "binary"),
    "not UTF-8 throughout": (embedded_list_text().encode("utf-16"), "binary"),
    "an HTML page": (b"<!DOCTYPE html>\n<html><body><table><tr><td>x</td></tr></table></body></html>",
                     "an HTML page"),
    "a file named -": (b"hello\n", "no rows"),
}


@pytest.mark.parametrize("case", WRONG)
def test_a_wrong_source_is_refused_and_the_library_kept(library_copy, tmp_path, case):
    data, found = WRONG[case]
    source = tmp_path / ("-" if case == "a file named -" else "list.md")
    source.write_bytes(data)
    before = library_copy.read_bytes()
    result = run("sync", "--offline", "--source", str(source), "--db", str(library_copy))
    assert result.exit_code == 2 and found in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and str(source) in result.stderr
    assert library_copy.read_bytes() == before


def test_the_library_itself_and_pyproject_over_http_are_refused(library_copy, http_root):
    before = library_copy.read_bytes()
    result = run("sync", "--offline", "--source", str(library_copy), "--db", str(library_copy))
    assert result.exit_code == 2 and "an SQLite file" in result.stderr
    result = run("sync", "--offline", "--source", f"{http_root}/pyproject.toml",
                 "--db", str(library_copy))
    assert result.exit_code == 2 and "pyproject.toml: no rows" in result.stderr
    assert library_copy.read_bytes() == before


def test_a_truncated_list_is_refused_unless_allow_shrink(library_copy, tmp_path):
    lines = embedded_list_text().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if line.startswith("|") and "Geographical" in line)
    source = tmp_path / "truncated.md"
    source.write_text("".join(lines[:cut + 20]))
    before = rows(library_copy)
    result = run("sync", "--offline", "--source", str(source), "--db", str(library_copy))
    assert result.exit_code == 2
    assert re.search(r"truncated\.md: \d+ rows found, but the library holds 93", result.stderr)
    assert rows(library_copy) == before
    result = run("sync", "--offline", "--allow-shrink", "--source", str(source),
                 "--db", str(library_copy))
    assert result.exit_code == 0, result.stderr


# -- 2. the README's commands leave the shipped library as it was ----------------------------

def test_a_sync_with_nothing_new_writes_nothing(tmp_path, monkeypatch):
    for name, value in {**TEST_ENV, **UNREACHABLE}.items():
        monkeypatch.setenv(name, value)
    db = tmp_path / "library.db"
    shutil.copy(ROOT / "library.db", db)
    before = db.read_bytes()
    result = run("sync", "--db", str(db))
    assert result.exit_code == 0 and "the library was not written" in result.stderr
    result = run("sync", "--offline", "--db", str(db))
    assert result.exit_code == 0 and "the library was not written" in result.stderr
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["library.db"]


def test_every_command_leaves_rollback_mode_and_readers_make_no_side_files(tmp_path):
    db = tmp_path / "library.db"
    assert run("sync", "--offline", "--db", str(db)).exit_code == 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()
    # A library a crashed sync left in WAL mode (no -wal file) is read without making one.
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["library.db"]
    for args in (["status"], ["export"], ["check"]):
        assert run(*args, "--db", str(db)).exit_code == 0, args
        assert sorted(p.name for p in tmp_path.iterdir()) == ["library.db"], args


def as_someone_else() -> list[str]:
    """Root writes into read-only folders: run the reader as `nobody` then."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: cannot make a folder read-only")
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.mark.parametrize("mode", ["delete", "wal"])
@pytest.mark.slow
def test_read_only_commands_work_in_a_read_only_folder(mode):
    folder = Path(tempfile.mkdtemp(prefix="rsbib-ro-"))  # outside pytest's private 0700 folders
    db = folder / "library.db"
    shutil.copy(ROOT / "library.db", db)
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA journal_mode = {mode}")  # wal: as a crashed older sync left it
    conn.close()
    db.chmod(0o644)
    folder.chmod(0o555)
    try:
        for args in (["status"], ["export"], ["check"]):
            done = subprocess.run([*as_someone_else(), sys.executable, "-m", "rsbib.cli", *args,
                                   "--db", str(db)], capture_output=True, text=True, cwd=ROOT)
            assert done.returncode == 0, (args, done.stderr)
        assert sorted(p.name for p in folder.iterdir()) == ["library.db"]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


# -- 3. Ctrl+C and SIGTERM stop a sync within 2 s and keep what was decided -----------------

@pytest.fixture
def slow_api():
    with StandIn(latency=0.5, rate_limit=1000) as server:
        yield server


def some_rows_decided(db) -> bool:
    try:
        return any(r[1] != "pending" for r in rows(db))
    except sqlite3.Error:
        return False


@pytest.mark.parametrize("signum, code, after", [(signal.SIGINT, 130, 3.0),
                                                 (signal.SIGTERM, 143, None)])
@pytest.mark.slow
def test_a_signal_stops_the_sync_and_the_next_asks_only_the_rest(slow_api, tmp_path,
                                                                 signum, code, after):
    """SIGINT 3 s into a cold sync (0.5 s per answer); SIGTERM once the first rows are stored.

    Both wait for a first decided row too: on a loaded machine 3 s may pass before any answer.
    """
    db = tmp_path / "x.db"
    env = {**slow_api.env, **TEST_ENV}
    process = cli("sync", "--db", str(db), env=env)
    if after:
        time.sleep(after)
    deadline = time.monotonic() + 30
    while not some_rows_decided(db) and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signum)
    sent = time.monotonic()
    _, stderr = process.communicate(timeout=30)
    took = time.monotonic() - sent
    assert process.returncode == code and took < 2.0, (took, stderr)
    kept = re.search(r"Interrupted: kept the (\d+) rows decided so far; (\d+) rows are still "
                     r"to look up: run `rsbib sync` again", stderr)
    assert kept, stderr
    states = [r[1] for r in rows(db)]
    decided = sum(1 for s in states if s not in ("pending", "failed"))
    assert decided == int(kept[1]) > 0 and states.count("pending") == int(kept[2]) > 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert conn.execute("SELECT exit_code FROM sync_runs").fetchall() == [(code,)]
    conn.close()
    slow_api.latency = 0
    again = run_env(env, "sync", "--db", str(db))
    assert again.returncode == 0, again.stderr
    assert f"({int(kept[2])} looked up;" in again.stderr


def run_env(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rsbib.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


# -- 6. a failed --refresh never downgrades a settled row -------------------------------------

def test_a_refresh_without_network_keeps_every_settled_row(library_copy, monkeypatch):
    for name, value in {**TEST_ENV, **UNREACHABLE}.items():
        monkeypatch.setenv(name, value)
    before = rows(library_copy)
    result = run("sync", "--refresh", "--db", str(library_copy))
    after = rows(library_copy)
    assert result.exit_code == 1
    assert [r[:4] for r in after] == [r[:4] for r in before]  # statuses, works and keys
    unresolved = [r for r in after if r[1] == "unresolved"]
    assert unresolved and all("a later look-up failed" in r[4] for r in unresolved)
    assert all(r[1] != "failed" for r in after)
    plain = run("sync", "--db", str(library_copy))
    assert plain.exit_code == 0 and "the library was not written" in plain.stderr


# -- 9. pending is not unresolved; exported keys never change; rekey lists its changes ------

def test_rows_never_asked_are_pending_everywhere(tmp_path):
    db = tmp_path / "x.db"
    result = run("sync", "--offline", "--db", str(db))
    assert re.search(r"total\s+93\s+0\s+93\s+0", result.stderr), result.stderr  # resolved pending unresolved
    status = json.loads(run("status", "--json", "--db", str(db)).stdout)
    assert status["totals"]["pending"] == 93 and status["totals"]["unresolved"] == 0
    assert {r[1] for r in rows(db)} == {"pending"}
    meta = json.loads((ROOT / "rsbib" / "data" / "metadata.json").read_text())
    assert "pending" in json.dumps(meta["databases"]["library"]["tables"]["entries"]["columns"])
    assert "`pending`" in (ROOT / "README.md").read_text()


def test_a_provisional_key_is_flagged_in_every_format(tmp_path):
    db = tmp_path / "x.db"
    assert run("sync", "--offline", "--db", str(db)).exit_code == 0
    for fmt in ("bibtex", "csl-json"):
        result = run("export", "--format", fmt, "--db", str(db))
        assert "geokr2021: provisional key" in result.stderr, fmt


def test_an_exported_key_survives_its_row_resolving(library_copy):
    [(line, key)] = sqlite3.connect(library_copy).execute(
        "SELECT line, citekey FROM entries WHERE status = 'unresolved' AND citekey IS NOT NULL "
        "ORDER BY line LIMIT 1").fetchall()
    export = run("export", "--db", str(library_copy))
    assert "{" + key + "," in export.stdout and f"{key}: provisional" not in export.stderr
    library = Library(library_copy)
    entry = next(library.db["entries"].rows_where("line = ?", [line]))
    run_id = library.runs.start(source="test")
    found = WorkRecord(title=entry["title"], year=2024, doi="10.9999/found.later", type="journal-article")
    library.outcomes.save([Outcome(entry["id"], "resolved", found, "doi", 100.0)], run_id)
    library.close()
    assert [r[2] for r in rows(library_copy) if r[0] == line] == [key]
    assert "{" + key + "," in run("export", "--db", str(library_copy)).stdout


# -- 10. one sync at a time; readers never wait ------------------------------------------------

def test_a_second_sync_is_refused_with_the_pid_or_waits(tmp_path):
    db = tmp_path / "x.db"
    assert run("sync", "--offline", "--db", str(db)).exit_code == 0
    with sync_lock(str(db)):
        second = run("sync", "--offline", "--db", str(db))
        assert second.exit_code == 2 and f"another sync is running (pid {os.getpid()})" in second.stderr
        assert run("status", "--db", str(db)).exit_code == 0  # readers are not blocked
        waiting = cli("sync", "--offline", "--wait", "--db", str(db))
        first_line = waiting.stderr.readline()  # said while this process still holds the lock
        assert f"waiting for the sync running as pid {os.getpid()}" in first_line
        time.sleep(0.5)
        assert waiting.poll() is None
    _, stderr = waiting.communicate(timeout=60)
    assert waiting.returncode == 0 and "Nothing new" in stderr
    assert not (tmp_path / "x.db.lock").exists()


@pytest.mark.slow
def test_two_syncs_at_once_one_refuses(slow_api, tmp_path):
    db = tmp_path / "x.db"
    env = {**slow_api.env, **TEST_ENV}
    first = cli("sync", "--db", str(db), env=env)
    time.sleep(1.0)
    second = run_env(env, "sync", "--db", str(db))
    assert second.returncode == 2 and f"(pid {first.pid})" in second.stderr
    first.send_signal(signal.SIGINT)
    first.communicate(timeout=30)
    assert first.returncode == 130
