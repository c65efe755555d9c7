"""Writing a user's file (`-o PATH`) or stdout (`-o -`) without ever losing what was there.

- `-` is stdout.
- A regular file, or a new one, is replaced atomically (a temporary file in
  the same folder, then a rename), through a symlink to its target, keeping
  the existing file's mode and owner; a new file gets the umask's mode.
- A file whose content already equals the new text is left untouched (its
  mtime too), so make and latexmk do not rebuild.
- A file with no write permission bit is refused, even for root: a careful
  tool does not overwrite what the user marked read-only (`chmod u+w` it).
- A device (/dev/null, /dev/stdout) or a FIFO is written directly, never
  replaced; a directory is refused.
- Every failure is an OutputError with one line naming the file and reason.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import sys

from rsbib import RsbibError

STDOUT = "-"
SIGPIPE_EXIT = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader went away


class OutputError(RsbibError, OSError):
    """The output cannot be written; nothing was replaced. str() is the one line to show."""


def write_text(path: str, text: str) -> bool:
    """Write `text` to `path` ('-' = stdout). False when the file already held exactly this text."""
    if path == STDOUT:
        write_stdout(text)
        return True
    return write_file(path, text.encode("utf-8"))


def write_stdout(text: str) -> None:
    """Print `text`; a closed pipe (`| head`) ends the run quietly, a full disk is an OutputError."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_exit_on_closed_pipe()
    except OSError as exc:
        raise OutputError(f"cannot write to stdout: {reason(exc)}") from exc


def quiet_exit_on_closed_pipe() -> None:
    """The reader went away: silence the final flush and exit as a shell expects."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout has no file descriptor (an in-process test runner)
    sys.exit(SIGPIPE_EXIT)


def write_file(path: str, data: bytes) -> bool:
    """Write `data` to the file at `path`, as the module docstring says. False if unchanged."""
    try:
        info = os.stat(path)  # through symlinks
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({reason(exc)})") from exc
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{path}: is a directory; name a file")
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_directly(path, data)  # a device or a FIFO: never replaced
        return True
    target = os.path.realpath(path)  # a symlink's target is replaced, the symlink stays
    if info is not None:
        if not info.st_mode & 0o222:
            raise OutputError(f"{path}: the file is read-only (mode {stat.S_IMODE(info.st_mode):04o});"
                              " make it writable (chmod u+w) or choose another file")
        if not os.access(target, os.W_OK):
            raise OutputError(f"{path}: permission denied")
        if _same_content(target, data, info.st_size):
            return False
    _check_folder(path, os.path.dirname(target))
    _replace(path, target, data, info)
    return True


def _check_folder(path: str, folder: str) -> None:
    if not os.path.isdir(folder):
        what = "is not a folder" if os.path.exists(folder) else "does not exist"
        raise OutputError(f"{path}: cannot write, the folder {folder} {what}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: cannot write, the folder {folder} is not writable")


def _same_content(target: str, data: bytes, size: int) -> bool:
    if size != len(data):
        return False
    try:
        with open(target, "rb") as current:
            return current.read() == data
    except OSError:
        return False


def _write_directly(path: str, data: bytes) -> None:
    try:
        with open(path, "wb") as out:
            out.write(data)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({reason(exc)})") from exc


def _replace(path: str, target: str, data: bytes, info: os.stat_result | None) -> None:
    """A temporary file beside the target, with the target's mode and owner, renamed over it."""
    folder, name = os.path.split(target)
    temp = os.path.join(folder, f".{name}.rsbib-{secrets.token_hex(4)}.tmp")
    try:
        # 0o666 through the umask: a new file gets the mode any editor would give it.
        handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write in {folder or '.'} ({reason(exc)})") from exc
    try:
        with os.fdopen(handle, "wb") as out:
            if info is not None:
                os.fchmod(out.fileno(), stat.S_IMODE(info.st_mode))
                if (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
                    # Not root: the file becomes ours, as with any editor.
                    with contextlib.suppress(PermissionError):
                        os.fchown(out.fileno(), info.st_uid, info.st_gid)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write ({reason(exc)}); "
                              "the file was left as it was") from exc
        raise


def reason(exc: OSError) -> str:
    """The system's words for an error, without Python's decoration."""
    if exc.errno == errno.ENOSPC:
        return "no space left on device"
    return (exc.strerror or str(exc)).lower()
