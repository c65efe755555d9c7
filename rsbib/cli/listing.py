"""`rsbib check`, `rsbib add` and `rsbib changes`: the list itself, judged, extended, compared."""

from __future__ import annotations

import json
import sys

import click

from rsbib.cli.app import cli, db_option, write_atomically
from rsbib.lists.check import KINDS as CHECK_KINDS


@cli.command()
@click.option("--source", metavar="PATH|URL", help="The list (default: the embedded one).")
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Report format.")
@click.option("--fix", is_flag=True, help="Write a corrected copy of the list.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE",
              help="With --fix: where to write the corrected list.")
@click.option("--in-place", is_flag=True, help="With --fix: overwrite the --source file.")
@click.option("--only", multiple=True, type=click.Choice(CHECK_KINDS),
              help="Report (and fix) only these kinds (repeatable).")
@click.option("--fail-on", multiple=True, type=click.Choice([*CHECK_KINDS, "any"]), metavar="KIND",
              help="Exit 1 when the report has findings of this kind (repeatable; `any`: every kind).")
def check(source, db_path, fmt, fix, output, in_place, only, fail_on) -> None:
    """Report what the list gets wrong, from the canonical records in the library.

    \b
    Kinds: stale-venue (listed as Arxiv, published since), title (renamed),
    preprint-link (links arXiv though a version of record exists), duplicate
    (the same paper in several tables), unresolved, no-code.
    Exit 0 (a report) unless --fail-on names a kind found: then 1.
    \b
      rsbib check
      rsbib check --format json
      rsbib check --source README.md --fail-on stale-venue --fail-on duplicate
      rsbib check --source README.md --fix -o FIXED.md
      rsbib check --source README.md --fix --in-place --only stale-venue
    """
    from rsbib.lists.check import CheckOptions, check_list

    done = check_list(CheckOptions(source, db_path, fix, output, in_place, only, fail_on))
    if done.unknown:
        click.echo(f"warning: {len(done.unknown)} rows of {done.name} are not in {db_path} and were not "
                   f"checked (first: line {done.unknown[0].line}); run `rsbib sync"
                   f"{' --source ' + source if source else ''}` first", err=True)
    if fmt == "json":
        click.echo(json.dumps([f.to_dict() for f in done.findings], indent=2, ensure_ascii=False))
    else:
        _print_findings(done.findings, done.parsed)
    if done.fixed is not None and done.target is not None:
        new, count, problems = done.fixed
        for problem in problems:
            click.echo(f"warning: {done.name}: {problem}", err=True)
        write_atomically(done.target, new)
        click.echo(f"{count} cells fixed in {done.target}", err=True)
    if done.failed:
        click.echo(f"rsbib check: {len(done.failed)} findings of kinds named by --fail-on", err=True)
        sys.exit(1)


@cli.command()
@click.argument("id_or_url", metavar="ID_OR_URL")
@click.option("--category", "-c", metavar="NAME",
              help="The table: slug, unique prefix or heading (needed when the list has several).")
@click.option("--abbr", metavar="TEXT", help="The abbreviation (default: the title's \"Name:\" prefix, else -).")
@click.option("--code", "code_url", metavar="URL", help="The code link (default: the table's word for none).")
@click.option("--source", metavar="PATH|URL", help="The list (default: the embedded one).")
@click.option("--in-place", is_flag=True, help="Insert the row into the --source file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the list with the row inserted to FILE.")
@click.option("--allow-duplicate", is_flag=True,
              help="Add a paper the list already cites, to another table, on purpose.")
@db_option
def add(id_or_url, category, abbr, code_url, source, in_place, output, allow_duplicate,
        db_path) -> None:
    """Add a paper to the list: one row at the end of a table, in that table's style.

    ID_OR_URL is an arXiv id, a DOI, or an arXiv, doi.org or publisher link
    that carries one. The paper is resolved as a sync resolves a row (its
    version of record when there is one). Exit code 1 when the list already
    cites it (each row is named: by DOI, arXiv id or title, and by the papers
    the library at --db, if there is one, found for the rows) or no service
    knows it.

    \b
      rsbib add 2306.11029 --category vision-language            # print the row
      rsbib add 10.1109/TGRS.2024.3390838 -c vision-language --source README.md --in-place
      rsbib add https://arxiv.org/abs/2312.10115 -c benchmark --allow-duplicate
    """
    from rsbib.lists.add_paper import AddOptions, add_paper

    options = AddOptions(id_or_url, category, abbr, code_url, source, in_place, output, allow_duplicate,
                         db_path)
    added = add_paper(options, say=lambda line: click.echo(line, err=True))
    click.echo(added.row)
    if added.target:
        write_atomically(added.target, added.text)
    where = f"{added.target}:{added.line}" if added.target else f"would go to {added.name}:{added.line}"
    click.echo(f"{'added at ' if added.target else ''}{where}, the end of table {added.slug} "
               f"({added.heading})", err=True)


def _print_findings(findings, parsed) -> None:
    headings = {c.slug: c.heading for c in parsed.categories}
    current = None
    for f in findings:
        if f.category != current:
            current = f.category
            click.echo(f"\n{headings.get(current, current)} [{current}]")
        label = f.abbreviation or "-"
        if f.suggested:
            click.echo(f"  line {f.line} {label}: {f.kind}: {f.current!r} -> {f.suggested!r} ({f.reason})")
        else:
            click.echo(f"  line {f.line} {label}: {f.kind}: {f.reason}")
    counts = {k: sum(1 for f in findings if f.kind == k) for k in dict.fromkeys(f.kind for f in findings)}
    click.echo("\n" + ", ".join(f"{n} {k}" for k, n in counts.items()) if counts else "No findings.")


@cli.command()
@db_option
@click.option("--since", metavar="RUN|DATE",
              help="Compare with the list as it was after sync run RUN, or before DATE "
                   "(YYYY-MM-DD, UTC). Default: the list recorded before the last one.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="Report format (markdown: ready for a changelog).")
def changes(db_path, since, fmt) -> None:
    """What changed in the list between syncs: rows added, removed, moved, edited; papers published.

    \b
      rsbib changes                         # between the last two lists synced
      rsbib changes --since 3               # since sync run 3
      rsbib changes --since 2026-01-01 --format markdown >> CHANGELOG.md
    """
    from rsbib.lists import changes as report

    done = report.changes_since(report.ChangesOptions(db_path, since))
    if done.first_list:
        click.echo("note: no earlier list recorded; every row counts as added", err=True)
    if fmt == "json":
        click.echo(json.dumps(done.changes.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo((report.as_markdown if fmt == "markdown" else report.as_text)(done.changes, done.headings),
                   nl=False)
