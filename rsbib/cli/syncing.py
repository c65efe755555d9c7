"""`rsbib sync`, `rsbib status` and `rsbib rekey`: fill the library, report on it, regenerate its keys."""

from __future__ import annotations

import json
import os
import sys

import click

from rsbib.cli.app import cli, db_option, write_atomically
from rsbib.store.library import STATUSES


@cli.command()
@click.option("--source", metavar="PATH|URL",
              help="A list in the same markdown format (default: the list embedded in rsbib).")
@db_option
@click.option("--offline", is_flag=True, help="Send no request; keep what library.db holds.")
@click.option("--refresh", is_flag=True, help="Ask the APIs again, even for rows already resolved.")
@click.option("--prune", is_flag=True,
              help="Delete the rows no longer in the list (kept and marked by default).")
@click.option("--allow-shrink", is_flag=True,
              help="Accept a list with under half the rows the library holds.")
@click.option("--wait", is_flag=True, help="If another sync runs on the library, wait for it.")
def sync(source, db_path, offline, refresh, prune, allow_shrink, wait) -> None:
    """Parse the list, resolve every row through arXiv, Crossref and DBLP, store it in the library.

    Rows already resolved are not asked again (unless --refresh); rows that
    failed last time, and rows still pending, are asked. Exit code 1 when rows
    failed or are ambiguous (the summary names them); 130/143 when stopped by
    Ctrl+C or SIGTERM (the rows decided so far are kept).
    """
    from rsbib.export.auto import refresh_after_sync
    from rsbib.resolve.sync import SyncHooks, SyncOptions, stopped_by_signals, sync_list
    from rsbib.sources.arxiv import quiet_log_handler

    quiet_log_handler()
    options = SyncOptions(source=source, db_path=db_path, offline=offline, refresh=refresh, prune=prune,
                          allow_shrink=allow_shrink, wait=wait)
    bar = None

    def start(total: int):
        nonlocal bar
        if not sys.stderr.isatty() or total == 0:
            return None
        bar = click.progressbar(length=total, label="Resolving", file=sys.stderr)
        bar.__enter__()
        return bar.update

    hooks = SyncHooks(start=start, on_unreachable=_say_unreachable, notify=lambda m: click.echo(m, err=True))
    try:
        with stopped_by_signals(hooks.stop):
            report = sync_list(options, hooks)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for problem in report.problems:
        click.echo(f"warning: {problem}", err=True)
    _print_summary(report)
    if report.interrupted:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(report.exit_code)  # the resolver's threads may still wait on an answer
    exported, failed = refresh_after_sync(db_path, report.export_targets, write_atomically)
    for line in exported:
        click.echo(line, err=True)
    for line in failed:
        click.echo(f"rsbib: {line}", err=True)
    sys.exit(max(report.exit_code, 1 if failed else 0))


def _say_unreachable(service: str, reason: str) -> None:
    click.echo(f"rsbib: {reason}; not asking {service} again this run", err=True)


def _print_summary(report) -> None:
    counts = report.counts.to_dict()
    echo = lambda text="": click.echo(text, err=True)  # noqa: E731
    requests = ", ".join(f"{n} {service}" for service, n in report.requests.items())
    if report.unchanged:
        echo(f"Nothing new in {report.source} ({report.rows} rows): the library was not "
             "written (--refresh asks the services again).")
    elif report.interrupted:
        left = counts["totals"]["pending"] + counts["totals"]["failed"]
        echo(f"Interrupted: kept the {report.saved} rows decided so far; {left} rows are "
             "still to look up: run `rsbib sync` again to ask only those.")
    else:
        echo(f"Synced {report.rows} rows from {report.source} "
             f"({report.looked_up} looked up; requests: {requests}).")
    if report.offline_skipped:
        echo(f"Offline: {report.offline_skipped} rows were not looked up; "
             "run `rsbib sync` with network to resolve them.")
    echo(status_table(counts))
    for row in report.attention:
        echo(f"  {row.status}: line {row.line} [{row.category}] "
             f"{row.abbreviation or row.title[:60]}: {row.note}")
    echo(f"{counts['works']} works in the library.")
    if report.listing.get("pruned"):
        echo(f"{report.listing['pruned']} rows no longer in the list were deleted (--prune).")
    echo_unlisted(counts, echo)


def echo_unlisted(counts: dict, echo) -> None:
    if counts.get("unlisted"):
        echo(f"{counts['unlisted']} rows are no longer in the list: kept with their works, keys and "
             "corrections (`rsbib changes` lists them; `rsbib sync --prune` deletes them).")


def status_table(counts: dict) -> str:
    head = ["category", "rows", *STATUSES]
    lines = [head]
    for slug, c in counts["categories"].items():
        lines.append([slug, str(c["rows"]), *(str(c[s]) for s in STATUSES)])
    lines.append(["total", str(counts["rows"]), *(str(counts["totals"][s]) for s in STATUSES)])
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return "\n".join("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(line, widths)))
                     for line in lines)


@cli.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def status(db_path, as_json) -> None:
    """Rows per table and resolution status, and the number of works."""
    from rsbib.store.status import StatusOptions, library_status

    status = library_status(StatusOptions(db_path))
    counts, about = status.counts, status.about
    if as_json:
        click.echo(json.dumps({**counts, **({"about": about} if about else {})}, indent=2))
    else:
        click.echo(status_table(counts))
        click.echo(f"{counts['works']} works")
        echo_unlisted(counts, click.echo)
        if about.get("built_from"):
            click.echo(f"Built from {about['built_from'][0]}.")
        if about.get("weak_doi"):
            click.echo(f"DOIs on weak evidence (one secondary source): {', '.join(about['weak_doi'])}")


@cli.command()
@db_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
def rekey(db_path, yes, dry_run) -> None:
    """Regenerate generated citation keys from current metadata (keys pinned by a cite block stay).

    Keys never change on a sync; this is the one way to change them, and it
    breaks documents that cite the old keys. Prints `old -> new` for each key
    that changes (on stdout); --dry-run shows the list and changes nothing.
    """
    if not (yes or dry_run):
        click.confirm("Regenerate citation keys? Documents citing the old keys will break",
                      abort=True, err=True)
    from rsbib.store.rekeying import RekeyOptions
    from rsbib.store.rekeying import rekey as run_rekey

    changes = run_rekey(RekeyOptions(db_path, dry_run))
    for old, new in changes:
        click.echo(f"{old} -> {new}")
    verb = "would change (dry run, nothing written)" if dry_run else "changed"
    click.echo(f"{len(changes)} keys {verb}.", err=True)
