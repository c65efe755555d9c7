"""The `rsbib` command group and what its commands share: the --db option, writing output, the one error path.

Data goes to stdout, messages to stderr. Every RsbibError ends a command here (Commands), in
one line with its exit code: 0 all good; 1 the run finished but some rows failed or are
ambiguous, or a lookup found nothing; 2 usage or input error.
"""

from __future__ import annotations

import sys
from contextlib import suppress

import click

from rsbib import RsbibError, __version__

db_option = click.option(
    "--db", "db_path", default="library.db", show_default=True, metavar="PATH",
    help="The library file.")


class Commands(click.Group):
    """rsbib's commands. The one place errors end a command: each RsbibError as its one line
    and exit code; a failed write to stdout or stderr in one line, not a traceback."""

    def invoke(self, ctx):
        from rsbib.files.output import quiet_exit_on_closed_pipe, reason

        try:
            return super().invoke(ctx)
        except RsbibError as exc:
            with suppress(OSError):
                click.echo(f"rsbib: {exc.message}", err=True)
            sys.exit(exc.exit_code)
        except BrokenPipeError:
            quiet_exit_on_closed_pipe()  # `rsbib export | head`: the reader has all it wanted
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else "cannot write the output: "
            with suppress(OSError):
                click.echo(f"rsbib: {where}{reason(exc)}", err=True)
            sys.exit(2)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rsbib")
def cli() -> None:
    """Turn an awesome list of papers into a trustworthy bibliography.

    \b
      rsbib sync                                  # list -> arXiv, Crossref, DBLP -> library.db
      rsbib status                                # rows per table and status
      rsbib export --category survey > refs.bib   # BibTeX for one table (or all)
      rsbib serve                                 # browse library.db with Datasette

    Network settings come from the environment: RSBIB_MAILTO (your e-mail,
    for Crossref's polite pool), RSBIB_ARXIV_URL, RSBIB_CROSSREF_URL,
    RSBIB_DBLP_URL (README, Configuration, lists them all).
    """


def write_atomically(path: str, text: str) -> bool:
    """Write a user's file, or stdout for '-', by rsbib.files.output's rules; False if it was unchanged.

    An OutputError (an OSError) ends a command in one line (see Commands).
    """
    from rsbib.files.output import write_text

    return write_text(path, text)
