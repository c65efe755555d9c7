"""`rsbib pin`: corrections made by hand, which no later sync overwrites."""

from __future__ import annotations

import click

from rsbib.cli.app import cli, db_option, fail, opened


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
    from rsbib.store import pins as fix
    with opened(db_path, must_exist=True) as library:
        if show:
            corrections = fix.listing(library)
            for c in corrections:
                line = c["current_line"] or f"{c['line']} (no longer in the list)"
                click.echo(f"line {line}: {c['field']} = {c['value'] or ''}  [{c['created_at']}]")
            click.echo(f"{len(corrections)} corrections in {db_path}.", err=True)
            return
        if not row:
            fail("name a ROW (a line or a citation key), or give --list")
        entry = _find_row(library, row)
        if clear:
            click.echo(f"{fix.clear(library, entry)} corrections removed from line {entry['line']}",
                       err=True)
            return
        changes = [(f, v) for f, v in (("doi", doi), ("arxiv_id", arxiv_id)) if v is not None]
        changes += [(fix.NOT_A_PAPER, None)] if not_a_paper else []
        for assignment in assignments:
            field, sep, value = assignment.partition("=")
            if not sep:
                fail(f"--set {assignment!r}: write FIELD=VALUE")
            field = field.strip().lower()
            changes.append((fix.SET_ALIASES.get(field, field), value))
        if not changes:
            fail("nothing to correct: give --doi, --arxiv, --not-a-paper, --set or --clear")
        try:
            stored, replaced = fix.store(library, entry, changes)
        except fix.CorrectionError as exc:
            fail(f"line {entry['line']}: nothing stored: {exc}")
    _report_pinned(entry, stored, replaced)


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


def _find_row(library, row: str) -> dict:
    if row.isdigit():
        found = list(library.db.table("entries").rows_where("line = ?", [int(row)],
                                                      order_by="listed DESC"))
    else:
        found = list(library.db.query(
            "SELECT e.* FROM entries e LEFT JOIN works w ON w.id = e.work_id "
            "WHERE coalesce(w.citekey, e.citekey) = ? COLLATE NOCASE ORDER BY e.line", [row]))
    if not found:
        fail(f"no row at {row!r} (a line of the list, or a citation key)")
    return found[0]
