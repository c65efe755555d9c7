"""Issue 11, findings 4 and 5 where permissions matter: run as an unprivileged user (root cannot be refused)."""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

NOBODY = 65534
pytestmark = [pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                                 reason="needs root and setpriv to run rsbib as another user"),
              pytest.mark.slow]  # every test runs rsbib in child processes as that user


@pytest.fixture
def shared(synced_db):
    """A folder every user can read, holding a root-owned library (0644) nobody may write."""
    folder = Path(tempfile.mkdtemp(prefix="rsbib-shared-"))
    folder.chmod(0o755)
    shutil.copy(synced_db, folder / "library.db")
    (folder / "library.db").chmod(0o644)
    # Rollback-journal mode, as a library is left after every command (a WAL library in a folder
    # its reader cannot write is issue 11 finding 2, not this file's concern).
    sqlite3.connect(folder / "library.db").execute("PRAGMA journal_mode = DELETE").fetchall()
    yield folder
    shutil.rmtree(folder)


def as_nobody(*args):
    command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
               str(ROOT / ".venv" / "bin" / "rsbib"), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd="/")
    errors = [line for line in result.stderr.splitlines() if not line.startswith("warning:")]
    return result.returncode, errors


def test_a_folder_the_user_cannot_write_is_one_line(shared):
    (shared / "locked").mkdir(mode=0o555)
    code, errors = as_nobody("export", "--db", str(shared / "library.db"),
                             "-o", str(shared / "locked" / "refs.bib"))
    assert code == 2 and len(errors) == 1 and "is not writable" in errors[0], errors
    assert not (shared / "locked" / "refs.bib").exists()


def test_another_users_file_is_refused_not_replaced(shared):
    theirs = shared / "theirs.bib"
    theirs.write_text("not yours\n")
    theirs.chmod(0o644)
    code, errors = as_nobody("export", "--db", str(shared / "library.db"), "-o", str(theirs))
    assert code == 2 and errors == [f"rsbib: {theirs}: permission denied"]
    assert theirs.read_text() == "not yours\n" and theirs.stat().st_uid == 0


def test_a_library_the_user_cannot_write_is_one_line(shared):
    db = str(shared / "library.db")
    # (a plain sync of the same list writes nothing and succeeds; --prune makes it write)
    for command in (["pin", "34", "--not-a-paper"], ["sync", "--offline", "--prune"]):
        code, errors = as_nobody(*command, "--db", db)
        assert code == 2 and len(errors) == 1, errors
        assert "cannot be written" in errors[0] and "readonly" in errors[0] and db in errors[0]
    code, errors = as_nobody("status", "--db", db)
    assert (code, errors) == (0, [])  # reading needs no write access
