"""rsbib: turn an awesome list of papers into a trustworthy bibliography."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rsbib")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"


class RsbibError(Exception):
    """A failure rsbib can name in one line: the CLI prints `rsbib: <message>` and exits with `exit_code`.

    Every error class of rsbib derives from it (cleo's and arxiv.py's way: one
    base that callers match, not message text), so the CLI handles them all in
    one place (rsbib.cli.app). The code is 2, a usage or input error with
    nothing written, unless a class says otherwise (1: the run finished but
    found something, such as a paper no service knows).
    """

    exit_code: int = 2

    @property
    def message(self) -> str:
        """The one line to show, without the `rsbib: ` prefix."""
        return str(self)
