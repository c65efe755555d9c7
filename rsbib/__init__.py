"""rsbib: turn an awesome list of papers into a trustworthy bibliography."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rsbib")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
