"""`rsbib check`, `rsbib add` and `rsbib changes`: the list itself, judged, extended, compared."""

from __future__ import annotations

import json
import os
import re
import sys

import click

from rsbib.cli.app import check_list_target, cli, db_option, fail, opened, write_atomically
from rsbib.lists.check import KINDS as CHECK_KINDS
from rsbib.lists.parse import SourceError


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
    from rsbib.lists.check import check as find
    from rsbib.lists.check import failing, fixed_text, not_in_library
    from rsbib.lists.parse import load_source, parse

    if (output or in_place) and not fix:
        fail(f"{'-o' if output else '--in-place'} writes a fixed list: give --fix too")
    if fix and not (output or in_place):
        fail("--fix needs -o FILE or --in-place")
    check_list_target(source, in_place, output)
    if only and "any" not in fail_on and set(fail_on) - set(only):
        fail(f"--fail-on {sorted(set(fail_on) - set(only))[0]} can never fail: --only leaves it out")
    try:
        text, name = load_source(source)
    except SourceError as exc:
        fail(str(exc))
    parsed = parse(text, name)
    with opened(db_path, readonly=True) as library:
        findings = find(parsed, text, library, only)
        unknown = not_in_library(parsed, library)
    if unknown:
        click.echo(f"warning: {len(unknown)} rows of {name} are not in {db_path} and were not "
                   f"checked (first: line {unknown[0].line}); run `rsbib sync"
                   f"{' --source ' + source if source else ''}` first", err=True)
    if fmt == "json":
        click.echo(json.dumps([f.to_dict() for f in findings], indent=2, ensure_ascii=False))
    else:
        _print_findings(findings, parsed)
    if fix:
        new, count, problems = fixed_text(text, parsed, findings, only)
        for problem in problems:
            click.echo(f"warning: {name}: {problem}", err=True)
        target = source if in_place else output
        write_atomically(target, new)
        click.echo(f"{count} cells fixed in {target}", err=True)
    failed = failing(findings, fail_on)
    if failed:
        click.echo(f"rsbib check: {len(failed)} findings of kinds named by --fail-on", err=True)
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
    from rsbib.export import CategoryError, pick_tables
    from rsbib.lists import add as adding
    from rsbib.lists.parse import load_source, parse
    from rsbib.settings import Settings

    check_list_target(source, in_place, output)
    if code_url is not None and not re.match(r"^https?://\S+$", code_url):
        fail(f"--code {code_url!r} is not an http(s) URL")
    try:
        link = adding.read_identifier(id_or_url)
        text, name = load_source(source)
        settings = Settings.from_env()
    except (adding.AddError, SourceError, ValueError) as exc:
        fail(str(exc))
    parsed = parse(text, name)
    tables = [{"slug": c.slug, "heading": c.heading} for c in parsed.categories]
    try:
        slug = pick_tables(tables, (category,))[0] if category is not None else None
    except CategoryError as exc:
        fail(str(exc))
    synced = {}
    if os.path.isfile(db_path):
        with opened(db_path, readonly=True) as library:
            synced = adding.synced_works(library, parsed)
    listed = adding.listed_by_identifier(parsed, link, synced)  # known duplicates: no request
    refused = [x for x in listed if not allow_duplicate or x.row.category == slug]
    if not refused:
        try:
            work = adding.find_paper(link, settings)
        except LookupError as exc:
            click.echo(f"rsbib: {id_or_url}: not added: {exc}", err=True)
            sys.exit(1)
        listed = adding.already_listed(parsed, work, synced)
        refused = [x for x in listed if not allow_duplicate or x.row.category == slug]
    for x in listed:
        click.echo(f"{'rsbib' if x in refused else 'warning'}: {name}:{x.row.line}: table "
                   f"{x.row.category} already cites this paper ({x.why}): "
                   f"{x.row.abbreviation or x.row.title[:60]}", err=True)
    if refused:
        click.echo("rsbib: not added" + ("" if allow_duplicate else
                   "; --allow-duplicate adds it to another table on purpose"), err=True)
        sys.exit(1)
    if slug is None:
        if len(tables) != 1:
            fail("name the table with --category: " + ", ".join(t["slug"] for t in tables))
        slug = tables[0]["slug"]
    try:
        table = adding.table_of(text, parsed, slug)
    except adding.AddError as exc:
        fail(str(exc))
    row = adding.build_row(table, work, abbr, code_url)
    for warning in row.warnings:
        click.echo(f"warning: {warning}", err=True)
    try:
        new_text, line = adding.insert(text, parsed, table, row)
    except adding.AddError as exc:
        fail(str(exc))
    click.echo(row.line)
    target = source if in_place else output
    if target:
        write_atomically(target, new_text)
    where = f"{target}:{line}" if target else f"would go to {name}:{line}"
    click.echo(f"{'added at ' if target else ''}{where}, the end of table {slug} ({table.heading})",
               err=True)


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
    with opened(db_path, readonly=True) as library:
        try:
            old, new = report.versions(library, since)
        except ValueError as exc:
            fail(f"{db_path}: {exc}")
        if old is None:
            click.echo("note: no earlier list recorded; every row counts as added", err=True)
        found = report.compare_with_library(library, old, new)
        headings = {r["slug"]: r["heading"] for r in library.db.table("categories").rows}
    if fmt == "json":
        click.echo(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo((report.as_markdown if fmt == "markdown" else report.as_text)(found, headings),
                   nl=False)
