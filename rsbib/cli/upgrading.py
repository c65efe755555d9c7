"""`rsbib upgrade`: the preprints of any .bib file replaced by their published versions."""

from __future__ import annotations

import json
import sys

import click

from rsbib.cli.app import cli, db_option, write_atomically


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
    from rsbib.bib.upgrade import text_report
    from rsbib.bib.upgrade_file import UpgradeOptions, upgrade_file

    options = UpgradeOptions(bib_path, db_path, output, in_place, dry_run, overwrite)
    done = upgrade_file(options)
    result = done.result
    if done.created_library and fmt == "text":  # the JSON report stays one document
        click.echo(f"Created {db_path} to keep the answers (a second run asks nothing).", err=True)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False), err=True)
    else:
        for line in text_report(result, bib_path):
            click.echo(line, err=True)
    if options.target is not None:
        write_atomically(options.target, result.text)
    sys.exit(result.exit_code)
