"""The `rsbib` command: click options in, library calls, text out.

Data goes to stdout, messages to stderr. Exit codes: 0 all good; 1 the run
finished but some rows failed or are ambiguous; 2 usage or input error.
One module per group of commands; each adds its commands to `cli` (rsbib.cli.app). A command
parses its options, makes the one options object of its job's function (in the package of
that job: SyncOptions in rsbib.resolve.sync, ExportOptions in rsbib.export.pipeline, ...),
calls it and prints what it returns; errors are RsbibErrors, said once, in rsbib.cli.app.
"""

from __future__ import annotations

from rsbib.cli import exporting, listing, pinning, serving, syncing, upgrading
from rsbib.cli.app import cli

__all__ = ["cli", "main", "exporting", "listing", "pinning", "serving", "syncing", "upgrading"]


def main() -> None:
    cli()
