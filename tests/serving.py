"""`rsbib serve` run as a user runs it: the venv's script, with the venv not on PATH."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

RSBIB = Path(sys.executable).parent / "rsbib"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(db: Path, *options: str, env: dict | None = None, timeout: float = 90):
    """Yield (base URL, process) while `rsbib serve --db db` answers; stop it with Ctrl+C."""
    port = free_port()
    env = {**os.environ, **(env or {}), "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen([str(RSBIB), "serve", "--db", str(db), "--port", str(port),
                                *options],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).read()
                break
            except OSError as exc:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"rsbib serve did not start: {process.communicate()[1]}") from exc
                time.sleep(0.2)
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
