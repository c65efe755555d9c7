"""`rsbib pin`: corrections made by hand, which no later sync overwrites."""

from __future__ import annotations

import click

from rsbib.cli.app import cli, db_option


@cli.command()
@click.argument("row", required=False)
@db_option
@click.option("--doi", help="The row cites the paper with this DOI.")
@click.option("--arxiv", "arxiv_id", metavar="ID", help="The row cites this arXiv paper.")
@click.option("--not-a-paper", is_flag=True, help="The row names no paper (a project, a website).")
@click.option("--set", "assignments", multiple=True, metavar="FIELD=VALUE",
              help="Fix a field of the row's paper: title, authors, year, venue, type, doi, url, "
                   "volume, issue, pages, citekey, ... (repeatable; works on unresolved rows too).")
@click.option("--clear", is_flag=True, help="Remove every correction of the row.")
@click.option("--list", "show", is_flag=True, help="List the corrections.")
def pin(row, db_path, doi, arxiv_id, not_a_paper, assignments, clear, show) -> None:
    """Correct a row by hand; no later sync (not even --refresh) overwrites it.

    ROW is the row's line in the list as last synced, or a citation key.

    \b
      rsbib pin 23 --doi 10.5555/12345678               # this row is that paper
      rsbib pin 23 --doi 10.5555/12345678 --arxiv 2306.11029
      rsbib pin 33 --set title="A Paper No Service Holds" --set authors="Li, Wei and Chen, Hao" \\
                   --set year=2023 --set type=journal-article --set venue="A Journal"
      rsbib pin 80 --not-a-paper
      rsbib pin liu2024remoteclip --set title="RemoteCLIP: A Vision Language Foundation Model"
      rsbib pin --list
    """
    from rsbib.store.pinning import PinOptions
    from rsbib.store.pinning import pin as run_pin

    done = run_pin(PinOptions(row, db_path, doi, arxiv_id, not_a_paper, assignments, clear, show))
    if done.listing is not None:
        for c in done.listing:
            line = c["current_line"] or f"{c['line']} (no longer in the list)"
            click.echo(f"line {line}: {c['field']} = {c['value'] or ''}  [{c['created_at']}]")
        click.echo(f"{len(done.listing)} corrections in {db_path}.", err=True)
    elif done.cleared is not None:
        _report_cleared(done.entry, done.cleared)
    else:
        _report_pinned(done.entry, done.stored, done.replaced)


def _report_pinned(entry: dict, stored: list, replaced: list) -> None:
    """Say exactly which corrections were stored, and which earlier ones they replaced."""
    shown = lambda pairs: ", ".join(f if v is None else f"{f} = {v}" for f, v in pairs)  # noqa: E731
    message = f"line {entry['line']}: stored {shown(stored)}"
    if replaced:
        message += f" (replacing {shown(replaced)})"
    if any(f in ("doi", "arxiv_id") for f, _ in stored):
        message += "; run `rsbib sync` to fetch the paper"
    elif entry["work_id"] is None and entry["status"] != "not-a-paper":
        message += "; the row is not resolved: its export uses these fields"
    click.echo(message, err=True)


def _report_cleared(entry: dict, cleared) -> None:
    """How many corrections went, whether the row is asked again, fields the sources' value is lost for."""
    line = entry["line"]
    message = f"{cleared.count} correction{'' if cleared.count == 1 else 's'} removed from line {line}"
    click.echo(message + ("; run `rsbib sync` to ask again" if cleared.ask_again else ""), err=True)
    if cleared.kept_as_pinned:
        click.echo(f"line {line}: {', '.join(cleared.kept_as_pinned)} kept as pinned: the sources' value "
                   "was not kept (pinned by an older rsbib); `rsbib sync --refresh` asks again", err=True)
