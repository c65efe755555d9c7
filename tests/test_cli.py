"""The rsbib command: help, version, status, sources, exit codes, summaries."""

import json
import os
import pty
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rsbib import __version__
from rsbib.lists.parse import embedded_list_text
from tests.conftest import ROOT, TEST_ENV, run
from tests.standin import Fault

COUNTS = {"vision": 45, "vision-language": 8, "generative": 3, "vision-location": 3,
          "vision-audio": 1, "benchmark": 5, "dataset": 17, "survey": 11}


def test_help_and_version():
    for args in (["--help"], ["sync", "--help"], ["export", "--help"], ["status", "--help"]):
        result = run(*args)
        assert result.exit_code == 0 and "Usage:" in result.stdout
    assert "--offline" in run("sync", "--help").stdout
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"rsbib, version {__version__}"


def test_offline_sync_then_status_json(tmp_path):
    db = str(tmp_path / "x.db")
    result = run("sync", "--offline", "--db", db)
    assert result.exit_code == 0 and result.stdout == ""  # messages go to stderr
    status = json.loads(run("status", "--db", db, "--json").stdout)
    assert status["rows"] == 93
    assert {slug: c["rows"] for slug, c in status["categories"].items()} == COUNTS
    assert status["totals"]["pending"] == 93 and status["totals"]["unresolved"] == 0
    table = run("status", "--db", db).stdout
    assert "survey" in table and "93" in table


def test_input_errors_exit_2_with_one_line(tmp_path):
    result = run("sync", "--offline", "--db", str(tmp_path / "x.db"), "--source", "missing.md")
    assert result.exit_code == 2
    assert result.stderr.strip() == "rsbib: missing.md: cannot read the list (No such file or directory)"
    result = run("sync", "--offline", "--db", str(tmp_path / "no" / "dir" / "x.db"))
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    result = run("status", "--db", str(tmp_path / "absent.db"))
    assert result.exit_code == 2 and "no such library" in result.stderr
    result = run("sync", "--offline", "--refresh", "--db", str(tmp_path / "x.db"))
    assert result.exit_code == 2
    result = run("sync", "--offline", "--source", "http://127.0.0.1:9/list.md",
                 "--db", str(tmp_path / "x.db"))
    assert result.exit_code == 2 and "cannot fetch the list" in result.stderr


def test_source_from_a_file_and_a_url(tmp_path):
    path = tmp_path / "list.md"
    path.write_text(embedded_list_text().split("## Remote Sensing <ins>Vision-Language")[0])
    result = run("sync", "--offline", "--source", str(path), "--db", str(tmp_path / "a.db"))
    assert result.exit_code == 0 and "Synced 45 rows" in result.stderr

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            data = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/list.md"
        result = run("sync", "--offline", "--source", url, "--db", str(tmp_path / "b.db"))
    finally:
        server.shutdown()
    assert result.exit_code == 0 and "Synced 45 rows" in result.stderr


def test_bytes_that_are_not_utf8_keep_the_good_rows(tmp_path):
    text = embedded_list_text().encode("utf-8")
    text = text.replace(b"Geographical Knowledge-Driven", b"Geographical Knowledge\xff-Driven")
    path = tmp_path / "bad.md"
    path.write_bytes(text)
    result = run("sync", "--offline", "--source", str(path), "--db", str(tmp_path / "x.db"))
    assert result.exit_code == 0 and "Synced 93 rows" in result.stderr
    assert f"warning: {path}:16: bytes that are not UTF-8" in result.stderr


@pytest.mark.slow
def test_failed_rows_exit_1_are_named_and_retried_alone(api, tmp_path):
    db = str(tmp_path / "x.db")
    api.inject(Fault("arxiv", "status", times=99, status=503, path_contains="id_list=2"))
    result = run("sync", "--db", db)
    assert result.exit_code == 1
    assert "failed: line 60 [vision] SkySense: arXiv: HTTP 503" in result.stderr
    failed = json.loads(run("status", "--db", db, "--json").stdout)["totals"]["failed"]
    assert failed == 53  # every row whose link is an arXiv id (47 distinct ids)
    api.reset()
    result = run("sync", "--db", db)
    assert result.exit_code == 0
    [id_request] = [h.path for h in api.hits if "id_list=2" in h.path or "id_list=1" in h.path]
    assert id_request.count("%2C") == 46  # the 47 ids of the failed rows, nothing else
    assert json.loads(run("status", "--db", db, "--json").stdout)["totals"]["resolved"] == 86


def test_no_progress_bar_when_not_a_terminal(api, tmp_path):
    result = run("sync", "--db", str(tmp_path / "x.db"))
    assert "Resolving" not in result.stderr and "Synced 93 rows" in result.stderr
    assert "total" in result.stderr and "76 works in the library." in result.stderr


def test_read_only_commands_never_write_to_the_library(tmp_path):
    db = tmp_path / "library.db"
    shutil.copy(ROOT / "library.db", db)
    before = db.read_bytes()
    for args in (["status"], ["export"], ["check"], ["export", "--format", "csl-json"]):
        assert run(*args, "--db", str(db)).exit_code == 0, args
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["library.db"]


@pytest.mark.slow
def test_progress_bar_on_a_terminal(api, tmp_path):
    """Under a pseudo-terminal the sync draws its progress on stderr."""
    leader, follower = pty.openpty()
    env = {**os.environ, **api.env, **TEST_ENV}
    done = subprocess.run([sys.executable, "-m", "rsbib.cli", "sync", "--db", str(tmp_path / "x.db")],
                          env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=follower, timeout=120)
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    assert done.returncode == 0
    assert b"Resolving" in drawn and b"Synced 93 rows" in drawn


def test_serve_starts_datasette_on_the_library(tmp_path):
    db = tmp_path / "library.db"
    shutil.copy(ROOT / "library.db", db)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    server = subprocess.Popen([sys.executable, "-m", "rsbib.cli", "serve", "--db", str(db),
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/library/needs_attention.json"
                                            "?_shape=array", timeout=1) as answer:
                    rows = json.loads(answer.read())
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("datasette did not answer")
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert len(rows) == 6


def test_an_unreadable_source_leaves_no_library_behind(tmp_path):
    db = tmp_path / "new.db"
    result = run("sync", "--offline", "--source", str(tmp_path / "missing.md"), "--db", str(db))
    assert result.exit_code == 2 and not db.exists()
