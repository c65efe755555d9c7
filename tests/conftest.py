"""Shared fixtures: the API stand-in, an environment pointing rsbib at it, a synced library."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rsbib.cli import cli
from tests.standin import StandIn

ROOT = Path(__file__).resolve().parent.parent
# Fast but otherwise real settings: no 3 s arXiv delay and quick backoff against the local stand-in.
TEST_ENV = {"RSBIB_MAILTO": "tests@rsbib.invalid", "RSBIB_BACKOFF": "0.01", "RSBIB_TIMEOUT": "2",
            "RSBIB_RETRIES": "2", "RSBIB_CROSSREF_RATE": "1000"}


def _clear_rsbib_environment() -> None:
    """Forget the RSBIB_* variables of the shell that runs the tests: each test sets what it needs."""
    for name in [n for n in os.environ if n.startswith("RSBIB_")]:
        del os.environ[name]


_clear_rsbib_environment()  # also for session fixtures and the child processes tests start


@pytest.fixture(autouse=True)
def no_rsbib_environment(monkeypatch):
    """Each test starts without RSBIB_* variables, whatever the shell or an earlier test set."""
    for name in [n for n in os.environ if n.startswith("RSBIB_")]:
        monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def standin():
    with StandIn(rate_limit=1000) as server:
        yield server


@pytest.fixture
def api(standin, monkeypatch):
    """The stand-in, reset, with rsbib's environment pointed at it."""
    standin.reset()
    for name, value in {**standin.env, **TEST_ENV}.items():
        monkeypatch.setenv(name, value)
    yield standin
    standin.reset()


def run(*args: str, input: str | None = None):
    """Run the rsbib command in-process; return the click Result (stdout, stderr, exit_code)."""
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture(scope="session")
def synced_db(standin, tmp_path_factory) -> Path:
    """A library made by one cold `rsbib sync` of the embedded list against the stand-in."""
    path = tmp_path_factory.mktemp("synced") / "library.db"
    saved = dict(os.environ)
    _clear_rsbib_environment()
    os.environ.update({**standin.env, **TEST_ENV})
    try:
        standin.reset()
        result = run("sync", "--db", str(path))
        assert result.exit_code == 0, result.output
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return path


@pytest.fixture
def library_copy(synced_db, tmp_path) -> Path:
    """A private copy of the synced library that a test may change."""
    target = tmp_path / "library.db"
    shutil.copy(synced_db, target)
    return target
