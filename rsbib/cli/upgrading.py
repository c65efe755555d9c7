"""`rsbib upgrade`: the preprints of any .bib file replaced by their published versions."""

from __future__ import annotations

import json
import os
import sys

import click

from rsbib.cli.app import cli, db_option, fail, opened, write_atomically


@cli.command()
@click.argument("bib_path", metavar="FILE.bib")
@db_option
@click.option("-o", "--output", metavar="FILE",
              help="Write the upgraded file here ('-' is stdout; the default).")
@click.option("--in-place", is_flag=True, help="Replace FILE.bib (only when something changed).")
@click.option("--dry-run", is_flag=True, help="Report what would change; write no file.")
@click.option("--overwrite", is_flag=True,
              help="Published entries take every field rsbib manages, not only a missing DOI.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="The report on stderr.")
def upgrade(bib_path, db_path, output, in_place, dry_run, overwrite, fmt) -> None:
    """Replace the preprints of any .bib file by their published versions; fill missing DOIs.

    \b
      rsbib upgrade refs.bib > upgraded.bib
      rsbib upgrade refs.bib --in-place
      rsbib upgrade refs.bib --dry-run --format json
      cat refs.bib | rsbib upgrade - > upgraded.bib

    Keys, entry order, comments, @strings and every field rsbib does not
    manage (file, keywords, abstract, notes) stay as they are; entries that
    do not change stay byte for byte. An uncertain match changes nothing and
    is reported with its candidates (exit code 1). Answers are kept in the
    library (--db, created if missing), so a second run sends no request.
    """
    from rsbib.bib.file import BibError, load
    from rsbib.bib.upgrade import text_report
    from rsbib.settings import Settings

    if in_place and output:
        fail("give -o FILE or --in-place, not both")
    if in_place and bib_path == "-":
        fail("--in-place needs a file, not stdin")
    if output and output != "-" and os.path.abspath(output) == os.path.abspath(bib_path):
        fail("-o names the input file; use --in-place to replace it")
    try:
        text = load(bib_path)
    except BibError as exc:
        fail(str(exc))
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        fail(str(exc))
    new_library = not os.path.exists(db_path)
    if dry_run and new_library:
        result = _upgrade_with(None, text, bib_path, settings, overwrite, fmt)
    else:
        with opened(db_path, readonly=dry_run) as library:
            result = _upgrade_with(library, text, bib_path, settings, overwrite, fmt)
        if new_library and fmt == "text":  # the JSON report stays one document
            click.echo(f"Created {db_path} to keep the answers (a second run asks nothing).",
                       err=True)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False), err=True)
    else:
        for line in text_report(result, bib_path):
            click.echo(line, err=True)
    if not dry_run:
        write_atomically(bib_path if in_place else (output or "-"), result.text)
    sys.exit(result.exit_code)


def _upgrade_with(library, text, name, settings, overwrite, fmt="text"):
    """Run the upgrade with the library's answer cache; bad BibTeX ends the command (exit 2)."""
    from rsbib.bib.file import BibError
    from rsbib.bib.upgrade import upgrade as run_upgrade
    from rsbib.resolve.cache import AnswerCache

    cache = AnswerCache(library)
    bar = None

    def start(total: int):
        nonlocal bar
        if not sys.stderr.isatty():
            return None
        bar = click.progressbar(length=total, label="Upgrading", file=sys.stderr)
        bar.__enter__()
        return bar.update

    try:
        return run_upgrade(text, name, cache, settings, overwrite,
                           say=(lambda line: click.echo(line, err=True)) if fmt == "text" else None,
                           start=start)
    except BibError as exc:
        fail(str(exc))
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        cache.save()
