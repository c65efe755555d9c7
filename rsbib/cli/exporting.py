"""`rsbib export` and `rsbib search`: the bibliography, whole, by table, by citation or by query."""

from __future__ import annotations

import shutil
import sys

import click

from rsbib.cli.app import cli, db_option, write_atomically
from rsbib.export.formats import NAMES as FORMATS


@cli.command()
@db_option
@click.option("--category", "-c", "categories", multiple=True, metavar="NAME",
              help="A table: slug, unique prefix or heading (repeatable; default: all).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=FORMATS[0], show_default=True,
              help="Output format.")
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
@click.option("--abstracts", is_flag=True, help="Write the abstracts the library holds (left out by default).")
@click.option("--bibstyle", metavar="STYLE",
              help="The document's \\bibliographystyle (default: what --aux names), for --format bibtex: "
                   "plain, abbrv, alpha, unsrt, ieeetr, IEEEtran, acm, siam and their url, ams and din "
                   "forms write no year for an undated entry; every other style year = {n.d.}.")
def export(db_path, categories, fmt, resolved_only, journal_abbrev, unicode, output, aux_files, key_values,
           order, abstracts, bibstyle) -> None:
    """Write the bibliography: one entry per paper, in table order, then list order.

    \b
      rsbib export > refs.bib
      rsbib export --category survey --category benchmark -o refs.bib
      rsbib export --format csl-json > refs.json
      rsbib export --aux paper.aux -o refs.bib       # only what paper.tex cites

    With --aux/--keys, each cited key the library lacks is named on stderr
    with the library's nearest keys, and the exit code is 1.
    """
    from rsbib.export.pipeline import ExportOptions, export_library

    done = export_library(ExportOptions(
        format=fmt, categories=categories, resolved_only=resolved_only, aux_files=aux_files,
        keys=key_values, document_order=(order == "document"), unicode=unicode,
        journal_abbrev=journal_abbrev, abstracts=abstracts, bibstyle=bibstyle, db_path=db_path))
    for line in done.missing:
        click.echo(f"rsbib: {line}", err=True)
    for warning in done.warnings:
        click.echo(f"warning: {warning}", err=True)
    if output and output != "-":
        changed = write_atomically(output, done.text)
        click.echo(f"{len(done.items)} entries written to {output}" if changed else
                   f"{output} unchanged ({len(done.items)} entries)", err=True)
    else:
        write_atomically("-", done.text)
    if done.missing:
        sys.exit(1)


@cli.command()
@click.argument("query", nargs=-1, required=True)
@db_option
@click.option("--field", type=click.Choice(["author", "title", "abstract", "venue", "year", "category", "key"]),
              help="Search the query's plain words in this field only.")
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "keys", *FORMATS, "json"]),
              help="table: aligned on a terminal, tab-separated when piped.")
def search(query, db_path, field, fmt) -> None:
    """Find papers: titles, abstracts, names and the list's rows, with field filters.

    \b
      rsbib search skysense
      rsbib search '"change detection"'            # a phrase; abstracts are searched too
      rsbib search 'SAR OR hyperspectral'          # either word
      rsbib search multispectral                   # also finds Multi-Spectral, multi spectral
      rsbib search https://arxiv.org/abs/2306.11029 --format keys
      rsbib search author:zhu year:2023..2024 venue:TGRS
      rsbib search '"masked image"' category:vision --format keys
      rsbib search --field title contrastive --format bibtex > found.bib

    \b
    Fields: author, title, abstract, venue, year, category, key, arxiv, doi.
    Words are stemmed in titles and abstracts (segment finds segmentation),
    never in names (change does not find Chang). Links, arXiv ids and DOIs
    find their paper. Exit code 1 when nothing matches, 2 for a bad query.
    """
    from rsbib.search.find import SearchOptions, find_papers
    from rsbib.search.query import results

    items = find_papers(SearchOptions(query, db_path, field))
    terminal = sys.stdout.isatty()
    text, warnings = results(items, fmt, terminal, shutil.get_terminal_size().columns)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(text, nl=False)
