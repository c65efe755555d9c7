"""The `rsbib` command: click options in, library calls, text out.

Data goes to stdout, messages to stderr. Exit codes: 0 all good; 1 the run
finished but some rows failed or are ambiguous; 2 usage or input error.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import sys
from contextlib import contextmanager

import click

from . import __version__
from .awesome import SourceError
from .check import KINDS as CHECK_KINDS
from .library import STATUSES, Library, LibraryError

db_option = click.option(
    "--db", "db_path", default="library.db", show_default=True, metavar="PATH",
    help="The library file.")


def fail(message: str) -> None:
    """A usage or input error: one line on stderr, exit 2."""
    click.echo(f"rsbib: {message}", err=True)
    sys.exit(2)


@contextmanager
def opened(db_path: str, must_exist: bool = False, readonly: bool = False):
    """The library, or a one-line error and exit 2. `readonly` commands never write to it.

    Every SQLite failure while it is open (damaged pages, locked, not a
    database, read-only) ends the command in one line saying the way out.
    """
    from .guard import LibraryUnusable, guarded, lock_timeout

    if (must_exist or readonly) and not os.path.exists(db_path):
        fail(f"{db_path}: no such library (run `rsbib sync --db {db_path}` first)")
    if os.path.isdir(db_path):
        fail(f"{db_path}: cannot open as a library (it is a directory)")
    try:
        with guarded(db_path):
            try:
                library = Library(db_path, readonly=readonly, busy_timeout=lock_timeout())
            except LibraryError as exc:
                if isinstance(exc.__cause__, sqlite3.Error):
                    raise exc.__cause__ from exc
                fail(str(exc))
            try:
                yield library
            finally:
                library.close()
    except LibraryUnusable as exc:
        fail(str(exc))


class Commands(click.Group):
    """rsbib's commands; a failed write to stdout or stderr ends one in one line, not a traceback."""

    def invoke(self, ctx):
        from .output import OutputError, quiet_exit_on_closed_pipe, reason

        try:
            return super().invoke(ctx)
        except OutputError as exc:
            fail(str(exc))
        except BrokenPipeError:
            quiet_exit_on_closed_pipe()  # `rsbib export | head`: the reader has all it wanted
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else "cannot write the output: "
            try:
                click.echo(f"rsbib: {where}{reason(exc)}", err=True)
            except OSError:
                pass
            sys.exit(2)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rsbib")
def cli() -> None:
    """Turn an awesome list of papers into a trustworthy bibliography.

    \b
      rsbib sync                                  # list -> arXiv + Crossref -> library.db
      rsbib status                                # rows per table and status
      rsbib export --category survey > refs.bib   # BibTeX for one table (or all)
      rsbib serve                                 # browse library.db with Datasette

    Network settings come from the environment: RSBIB_MAILTO (your e-mail,
    for Crossref's polite pool), RSBIB_ARXIV_URL, RSBIB_CROSSREF_URL.
    """


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
    import signal

    from .awesome import load_source, parse
    from .listcheck import NotAList, refuse_unusable
    from .settings import Settings
    from .sync import ShrinkRefused, Stop
    from .sources.arxiv import quiet_log_handler
    from .sync import sync as run_sync
    from .synclock import SyncLockError, sync_lock

    quiet_log_handler()

    if offline and refresh:
        fail("--offline and --refresh contradict each other")
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        fail(str(exc))
    bar = None

    def start(total: int):
        nonlocal bar
        if not sys.stderr.isatty() or total == 0:
            return None
        bar = click.progressbar(length=total, label="Resolving", file=sys.stderr)
        bar.__enter__()
        return bar.update

    targets = _export_targets(db_path)
    stop = Stop()
    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            text, name = load_source(source, timeout=settings.timeout)
            refuse_unusable(text, name, parse(text, name))
        except (SourceError, NotAList) as exc:
            fail(str(exc))  # before the library is opened: a bad source creates or changes nothing
        if os.path.isdir(db_path):
            fail(f"{db_path}: cannot open as a library (it is a directory)")
        try:
            with sync_lock(db_path, wait, lambda m: click.echo(m, err=True)), \
                    opened(db_path) as library:
                try:
                    report = run_sync(library, text, name, offline=offline, refresh=refresh,
                                      settings=settings, start=start,
                                      prune=prune, on_unreachable=_say_unreachable,
                                      allow_shrink=allow_shrink, stop=stop)
                finally:
                    if bar is not None:
                        bar.__exit__(None, None, None)
        except (SyncLockError, ShrinkRefused) as exc:
            fail(str(exc))
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    for problem in report.problems:
        click.echo(f"warning: {problem}", err=True)
    _print_summary(report)
    if report.interrupted:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(report.exit_code)  # the resolver's threads may still wait on an answer
    sys.exit(max(report.exit_code, _auto_export(targets, db_path)))


def _export_targets(db_path: str) -> list:
    """The export targets declared beside the library; a bad declaration stops here (exit 2)."""
    from .autoexport import ConfigError, load_targets

    try:
        return load_targets(db_path)
    except ConfigError as exc:
        fail(str(exc))


def _auto_export(targets: list, db_path: str) -> int:
    """Refresh the declared export targets after a sync; 1 when one could not be written."""
    from .autoexport import refresh

    if not targets:
        return 0
    with opened(db_path, readonly=True) as library:
        report, failed = refresh(library, targets, write=_write_atomically)
    for line in report:
        click.echo(line, err=True)
    for line in failed:
        click.echo(f"rsbib: {line}", err=True)
    return 1 if failed else 0


def _say_unreachable(service: str, reason: str) -> None:
    click.echo(f"rsbib: {reason}; not asking {service} again this run", err=True)


def _print_summary(report) -> None:
    counts = report.counts
    echo = lambda text="": click.echo(text, err=True)  # noqa: E731
    requests = ", ".join(f"{n} {service}" for service, n in report.requests.items())
    if report.unchanged:
        echo(f"Nothing new in {report.source} ({report.rows} rows): the library was not "
             "written (--refresh asks the services again).")
    elif report.interrupted:
        left = report.counts["totals"]["pending"] + report.counts["totals"]["failed"]
        echo(f"Interrupted: kept the {report.saved} rows decided so far; {left} rows are "
             "still to look up: run `rsbib sync` again to ask only those.")
    else:
        echo(f"Synced {report.rows} rows from {report.source} "
             f"({report.looked_up} looked up; requests: {requests}).")
    if report.offline_skipped:
        echo(f"Offline: {report.offline_skipped} rows were not looked up; "
             "run `rsbib sync` with network to resolve them.")
    echo(_table(counts))
    for row in report.attention:
        echo(f"  {row['status']}: line {row['line']} [{row['category']}] "
             f"{row['abbreviation'] or row['title'][:60]}: {row['note']}")
    echo(f"{counts['works']} works in the library.")
    if report.listing.get("pruned"):
        echo(f"{report.listing['pruned']} rows no longer in the list were deleted (--prune).")
    _echo_unlisted(counts, echo)


def _echo_unlisted(counts: dict, echo) -> None:
    if counts.get("unlisted"):
        echo(f"{counts['unlisted']} rows are no longer in the list: kept with their works, keys and "
             "corrections (`rsbib changes` lists them; `rsbib sync --prune` deletes them).")


def _table(counts: dict) -> str:
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
    with opened(db_path, readonly=True) as library:
        counts = library.status_counts()
        about = _about(library)
    if as_json:
        click.echo(json.dumps({**counts, **({"about": about} if about else {})}, indent=2))
    else:
        click.echo(_table(counts))
        click.echo(f"{counts['works']} works")
        _echo_unlisted(counts, click.echo)
        if about.get("built_from"):
            click.echo(f"Built from {about['built_from'][0]}.")
        if about.get("weak_doi"):
            click.echo(f"DOIs on weak evidence (one secondary source): {', '.join(about['weak_doi'])}")


def _about(library) -> dict[str, list[str]]:
    """What the library says about itself (the `about` table a build may write), by key."""
    about: dict[str, list[str]] = {}
    if "about" in library.db.table_names():
        for key, value in library.db.execute("SELECT key, value FROM about ORDER BY rowid"):
            about.setdefault(key, []).append(value)
    return about


@cli.command()
@db_option
@click.option("--category", "-c", "categories", multiple=True, metavar="NAME",
              help="A table: slug, unique prefix or heading (repeatable; default: all).")
@click.option("--format", "fmt", type=click.Choice(["bibtex", "biblatex", "csl-json"]),
              default="bibtex", show_default=True, help="Output format.")
@click.option("--resolved-only", is_flag=True, help="Leave out rows that no API confirmed.")
@click.option("--journal-abbrev", is_flag=True,
              help="Journals by their ISO 4 abbreviation (IEEE Trans. Geosci. Remote Sens.).")
@click.option("--unicode", is_flag=True,
              help="Keep text pdflatex cannot set (Chinese titles) as it is, for XeLaTeX/LuaLaTeX.")
@click.option("-o", "--output", metavar="FILE",
              help="Write to FILE instead of stdout ('-' is stdout); an unchanged FILE is not touched.")
@click.option("--aux", "aux_files", multiple=True, metavar="FILE.aux",
              help="Only the entries this LaTeX .aux file cites, bibtex or biblatex (repeatable).")
@click.option("--keys", "key_values", multiple=True, metavar="KEY,KEY",
              help="Only these citation keys (repeatable).")
@click.option("--order", type=click.Choice(["document", "library"]), default="document",
              show_default=True, help="With --aux/--keys: the order of first citation, or the usual one.")
def export(db_path, categories, fmt, resolved_only, journal_abbrev, unicode, output, aux_files, key_values,
           order) -> None:
    """Write the bibliography: one entry per paper, in table order, then list order.

    \b
      rsbib export > refs.bib
      rsbib export --category survey --category benchmark -o refs.bib
      rsbib export --format csl-json > refs.json
      rsbib export --aux paper.aux -o refs.bib       # only what paper.tex cites

    With --aux/--keys, each cited key the library lacks is named on stderr
    with the library's nearest keys, and the exit code is 1.
    """
    from .export import CategoryError, collect, match_categories, render

    with opened(db_path, readonly=True) as library:
        try:
            slugs = match_categories(library, categories) if categories else None
        except CategoryError as exc:
            fail(str(exc))
        items = collect(library, slugs, resolved_only, listed_only=not (aux_files or key_values))
        missing = []
        if aux_files or key_values:
            items, missing = _cited_items(library, items, aux_files, key_values, order, categories)
    text, warnings = render(items, fmt, unicode=unicode, journal_abbrev=journal_abbrev)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if output and output != "-":
        changed = _write_atomically(output, text)
        click.echo(f"{len(items)} entries written to {output}" if changed else
                   f"{output} unchanged ({len(items)} entries)", err=True)
    else:
        _write_atomically("-", text)
    if missing:
        sys.exit(1)


def _cited_items(library, items, aux_files, key_values, order, categories):
    """--aux/--keys: the items the document cites; the keys the library lacks, named on stderr."""
    from .cited import AuxError, choose, read_citations

    if categories:
        fail("--aux/--keys choose entries by citation; leave out --category")
    try:
        citations = read_citations(aux_files, key_values)
    except AuxError as exc:
        fail(str(exc))
    if not (citations.keys or citations.cites_all):
        fail("--keys names no key")
    chosen, missing = choose(library, items, citations, document_order=(order == "document"))
    for line in missing:
        click.echo(f"rsbib: {line}", err=True)
    return chosen, missing


def _write_atomically(path: str, text: str) -> bool:
    """Write a user's file, or stdout for '-', by rsbib.output's rules; False if it was unchanged.

    An OutputError (an OSError) ends a command in one line (see Commands).
    """
    from .output import write_text

    return write_text(path, text)


@cli.command()
@click.argument("query", nargs=-1, required=True)
@db_option
@click.option("--field", type=click.Choice(["author", "title", "venue", "year", "category", "key"]),
              help="Search the query's plain words in this field only.")
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "keys", "bibtex", "biblatex", "csl-json", "json"]),
              help="table: aligned on a terminal, tab-separated when piped.")
def search(query, db_path, field, fmt) -> None:
    """Find papers: full text over works and the list's rows, with field filters.

    \b
      rsbib search skysense
      rsbib search author:zhu year:2023..2024 venue:TGRS
      rsbib search '"masked image"' category:vision --format keys
      rsbib search --field title contrastive --format bibtex > found.bib

    Exit code 1 when nothing matches.
    """
    from .search import QueryError, parse_query, results, search as find

    try:
        terms = parse_query(" ".join(query), field)
    except QueryError as exc:
        fail(str(exc))
    with opened(db_path, readonly=True) as library:
        try:
            items = find(library, terms)
        except QueryError as exc:
            fail(str(exc))
    if not items:
        click.echo(f"rsbib: nothing matches {' '.join(query)!r}", err=True)
        sys.exit(1)
    terminal = sys.stdout.isatty()
    text, warnings = results(items, fmt, terminal, shutil.get_terminal_size().columns)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(text, nl=False)


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
    from .awesome import load_source, parse
    from .check import check as find, failing, fixed_text, not_in_library

    if (output or in_place) and not fix:
        fail(f"{'-o' if output else '--in-place'} writes a fixed list: give --fix too")
    if fix and not (output or in_place):
        fail("--fix needs -o FILE or --in-place")
    _check_list_target(source, in_place, output)
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
        _write_atomically(target, new)
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
    from . import add as adding
    from .awesome import load_source, parse
    from .export import CategoryError, pick_tables
    from .settings import Settings

    _check_list_target(source, in_place, output)
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
    try:
        work = adding.find_paper(link, settings)
    except LookupError as exc:
        click.echo(f"rsbib: {id_or_url}: not added: {exc}", err=True)
        sys.exit(1)
    synced = {}
    if os.path.isfile(db_path):
        with opened(db_path, readonly=True) as library:
            synced = adding.synced_works(library, parsed)
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
        _write_atomically(target, new_text)
    where = f"{target}:{line}" if target else f"would go to {name}:{line}"
    click.echo(f"{'added at ' if target else ''}{where}, the end of table {slug} ({table.heading})",
               err=True)


def _check_list_target(source: str | None, in_place: bool, output: str | None) -> None:
    """Where a changed list goes: --in-place (the --source file) or -o FILE, never both; else exit 2."""
    if in_place and not source:
        fail("--in-place needs --source: the embedded list cannot be changed")
    if in_place and re.match(r"^https?://", source, re.IGNORECASE):
        fail("--in-place needs a file; the list was read from a URL (use -o FILE)")
    if in_place and output:
        fail("give -o FILE or --in-place, not both")
    if output and source and os.path.abspath(output) == os.path.abspath(source):
        fail("-o names the source file; use --in-place to overwrite it")


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
    from . import changes as report

    with opened(db_path, readonly=True) as library:
        try:
            old, new = report.versions(library.db, since)
        except ValueError as exc:
            fail(f"{db_path}: {exc}")
        if old is None:
            click.echo("note: no earlier list recorded; every row counts as added", err=True)
        found = report.compare_with_library(library.db, old, new)
        headings = {r["slug"]: r["heading"] for r in library.db["categories"].rows}
    if fmt == "json":
        click.echo(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo((report.as_markdown if fmt == "markdown" else report.as_text)(found, headings),
                   nl=False)


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
    from . import corrections as fix

    with opened(db_path, must_exist=True) as library:
        if show:
            for c in fix.listing(library):
                line = c["current_line"] or f"{c['line']} (no longer in the list)"
                click.echo(f"line {line}: {c['field']} = {c['value'] or ''}  [{c['created_at']}]")
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
        found = list(library.db["entries"].rows_where("line = ?", [int(row)],
                                                      order_by="listed DESC"))
    else:
        found = list(library.db.query(
            "SELECT e.* FROM entries e LEFT JOIN works w ON w.id = e.work_id "
            "WHERE coalesce(w.citekey, e.citekey) = ? COLLATE NOCASE ORDER BY e.line", [row]))
    if not found:
        fail(f"no row at {row!r} (a line of the list, or a citation key)")
    return found[0]


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
    with opened(db_path, must_exist=True) as library:  # a dry run rolls back
        changes = library.rekey(dry_run=dry_run)
    for old, new in changes:
        click.echo(f"{old} -> {new}")
    verb = "would change (dry run, nothing written)" if dry_run else "changed"
    click.echo(f"{len(changes)} keys {verb}.", err=True)


@cli.command()
@db_option
@click.option("--port", default=8001, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--open", "open_browser", is_flag=True, help="Open the home page in a browser.")
def serve(db_path, port, host, open_browser) -> None:
    """Browse the library with Datasette: papers, search, BibTeX of any page (add .bib).

    The file is served read-only (immutable) and never changed; while a sync
    is writing to it, it is served read-write so new rows show up.
    """
    from .browse import ServeError, serve as run_server

    def announce(url: str, mode: str) -> None:
        click.echo(f"Serving {db_path} ({mode}) on {url} (Ctrl+C stops)", err=True)

    try:
        run_server(db_path, host, port, open_browser, announce)
    except ServeError as exc:
        fail(str(exc))


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
    from .bibfile import BibError, load
    from .settings import Settings
    from .upgrade import text_report

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
        result = _upgrade_with(None, text, bib_path, settings, overwrite)
    else:
        with opened(db_path, readonly=dry_run) as library:
            result = _upgrade_with(library, text, bib_path, settings, overwrite)
        if new_library and fmt == "text":  # the JSON report stays one document
            click.echo(f"Created {db_path} to keep the answers (a second run asks nothing).",
                       err=True)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False), err=True)
    else:
        for line in text_report(result, bib_path):
            click.echo(line, err=True)
    if not dry_run:
        _write_atomically(bib_path if in_place else (output or "-"), result.text)
    sys.exit(result.exit_code)


def _upgrade_with(library, text, name, settings, overwrite):
    """Run the upgrade with the library's answer cache; bad BibTeX ends the command (exit 2)."""
    from .answer_cache import AnswerCache
    from .bibfile import BibError
    from .upgrade import upgrade as run_upgrade

    cache = AnswerCache(library)
    try:
        return run_upgrade(text, name, cache, settings, overwrite)
    except BibError as exc:
        fail(str(exc))
    finally:
        cache.save()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
