"""Issue 11, finding 4 (and issue 16's unchanged-file rule): `-o` never loses or mangles a file.

Run as root, so "read-only" means a file with no write bit at all: rsbib
refuses it even though root could write it.
"""

import errno
import os
import stat
import subprocess
import sys
import threading

import pytest

from rsbib.files import output
from tests.conftest import ROOT, run

RSBIB = [sys.executable, "-m", "rsbib.cli"]


def export(db, target, *more):
    return run("export", "--db", str(db), "-o", str(target), *more)


def one_error_line(result, *words):
    errors = [line for line in result.stderr.splitlines() if not line.startswith("warning:")]
    assert result.exit_code == 2, result.output
    assert len(errors) == 1, errors
    assert all(w in errors[0] for w in words), errors[0]


@pytest.fixture
def umask():
    def set_to(mask):
        previous.append(os.umask(mask))
    previous: list[int] = []
    yield set_to
    if previous:
        os.umask(previous[0])


def test_dash_is_stdout_and_creates_no_file(synced_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("export", "--db", str(synced_db), "-o", "-")
    assert result.exit_code == 0
    assert result.stdout.startswith("@")
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_a_new_file_gets_the_umask_mode(synced_db, tmp_path, umask, mask, mode):
    umask(mask)
    assert export(synced_db, tmp_path / "refs.bib").exit_code == 0
    assert stat.S_IMODE((tmp_path / "refs.bib").stat().st_mode) == mode


def test_an_existing_file_keeps_its_mode_and_an_unchanged_one_its_mtime(synced_db, tmp_path):
    target = tmp_path / "refs.bib"
    target.write_text("old\n")
    target.chmod(0o640)
    result = export(synced_db, target)
    assert result.exit_code == 0 and "entries written to" in result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_text().startswith("@")
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    again = export(synced_db, target)
    assert again.exit_code == 0 and "unchanged" in again.stderr
    assert target.stat().st_mtime_ns == 1_000_000_000  # make and latexmk see nothing new


def test_a_symlink_stays_a_symlink_and_its_target_is_written(synced_db, tmp_path):
    real = tmp_path / "real.bib"
    real.write_text("old\n")
    link = tmp_path / "link.bib"
    link.symlink_to(real.name)
    assert export(synced_db, link).exit_code == 0
    assert link.is_symlink() and os.readlink(link) == "real.bib"
    assert real.read_text().startswith("@")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_a_read_only_file_is_refused_even_for_root(synced_db, tmp_path):
    target = tmp_path / "refs.bib"
    target.write_text("keep me\n")
    target.chmod(0o444)
    one_error_line(export(synced_db, target), "refs.bib", "read-only")
    assert target.read_text() == "keep me\n"


def test_devices_are_written_directly_never_replaced(synced_db):
    one_error_line(export(synced_db, "/dev/full"), "/dev/full", "no space left")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    assert export(synced_db, "/dev/null").exit_code == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_written_directly(synced_db, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    assert export(synced_db, fifo).exit_code == 0
    reader.join(10)
    assert received and received[0].startswith("@")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.parametrize("name, words", [
    ("folder", ["is a directory"]),
    ("missing/refs.bib", ["missing", "does not exist"]),
    ("afile/refs.bib", ["afile", "not a directory"]),
])
def test_bad_places_are_one_line_and_exit_2(synced_db, tmp_path, name, words):
    (tmp_path / "folder").mkdir()
    (tmp_path / "afile").write_text("x")
    one_error_line(export(synced_db, tmp_path / name), *words)
    assert (tmp_path / "afile").read_text() == "x"


def test_check_fix_writes_through_the_same_rules(synced_db, tmp_path):
    real = tmp_path / "fixed.md"
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "link.md"
    link.symlink_to(real)
    result = run("check", "--db", str(synced_db), "--fix", "-o", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and "Awesome" in real.read_text()
    assert stat.S_IMODE(real.stat().st_mode) == 0o640


def test_a_full_disk_mid_write_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "refs.bib"
    target.write_text("the good one\n")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(output.os, "fsync", full)
    with pytest.raises(output.OutputError, match="no space left on device"):
        output.write_file(str(target), b"new text\n")
    assert target.read_text() == "the good one\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["refs.bib"]


def _command(*args, stdout):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([*RSBIB, *args], stdout=stdout, stderr=subprocess.PIPE, text=True,
                          env=env, cwd=ROOT, timeout=60)


@pytest.mark.parametrize("command", ["export", "status"])
@pytest.mark.slow
def test_a_full_disk_on_stdout_is_one_line(synced_db, command):
    with open("/dev/full", "w") as full:
        result = _command(command, "--db", str(synced_db), stdout=full)
    errors = [line for line in result.stderr.splitlines() if not line.startswith("warning:")]
    assert result.returncode == 2
    assert len(errors) == 1 and "no space left on device" in errors[0], result.stderr


@pytest.mark.parametrize("command", ["export", "status"])
@pytest.mark.slow
def test_a_closed_pipe_exits_quietly(synced_db, command):
    """`rsbib export | head`: the reader is gone before rsbib writes."""
    read, write = os.pipe()
    os.close(read)
    with os.fdopen(write, "w") as closed:
        result = _command(command, "--db", str(synced_db), stdout=closed)
    assert result.returncode == output.SIGPIPE_EXIT
    assert "Traceback" not in result.stderr and "Error" not in result.stderr
    assert [line for line in result.stderr.splitlines() if not line.startswith("warning:")] == []



def test_auto_export_keeps_an_unchanged_target_and_a_symlink(library_copy):
    """Targets a sync refreshes (issue 16 deliver 4) follow the same rules as `export -o`."""
    folder = library_copy.parent
    (folder / "real.bib").write_text("old\n")
    (folder / "real.bib").chmod(0o640)
    (folder / "refs.bib").symlink_to("real.bib")
    (folder / "rsbib.toml").write_text('[[export]]\npath = "refs.bib"\ncategories = ["survey"]\n')
    assert run("sync", "--db", str(library_copy), "--offline").exit_code == 0
    assert (folder / "refs.bib").is_symlink() and (folder / "real.bib").read_text().startswith("@")
    assert stat.S_IMODE((folder / "real.bib").stat().st_mode) == 0o640
    os.utime(folder / "real.bib", ns=(1_000_000_000, 1_000_000_000))
    assert run("sync", "--db", str(library_copy), "--offline").exit_code == 0
    assert (folder / "real.bib").stat().st_mtime_ns == 1_000_000_000
