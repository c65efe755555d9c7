"""One sync at a time per library: an flock on `<library>.lock`, released by the kernel on a crash.

Readers never take it; they read through SQLite (WAL while a sync writes).
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rsbib import RsbibError


class SyncLockError(RsbibError):
    """The sync lock cannot be taken: another sync holds it, or its file cannot be made."""


def _holder(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"


@contextmanager
def sync_lock(db_path: str, wait: bool = False,
              notify: Callable[[str], None] = lambda m: None) -> Iterator[None]:
    """Hold the library's sync lock; raise SyncLockError (naming the PID), or wait when `wait`."""
    path = f"{db_path}.lock"
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except (PermissionError, OSError) as exc:
            if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                yield  # a folder no one may write in: no sync can write there; the library says so
                return
            raise SyncLockError(f"{path}: cannot make the sync lock ({exc.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder(fd)
            if not wait:
                os.close(fd)
                raise SyncLockError(f"{db_path}: another sync is running (pid {pid}); "
                               "nothing written (--wait to wait for it)") from None
            notify(f"{db_path}: waiting for the sync running as pid {pid} to finish ...")
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder removed the file as we waited: lock the new one
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        try:
            os.unlink(path)
        finally:
            os.close(fd)
