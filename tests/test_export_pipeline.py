"""Issue 22, step 5: one export registry and one pipeline for `rsbib export`, auto-export and Datasette;
the authors string read and written by one function each."""

from __future__ import annotations

import sqlite3

import click

from rsbib.cli import cli
from rsbib.export.formats import FORMATS, NAMES
from rsbib.export.pipeline import ExportOptions, Shown, export
from rsbib.metadata.authors import authors_incomplete, join_authors, split_authors
from rsbib.metadata.records import Author
from rsbib.store.library import Library
from rsbib.web import register_output_renderer
from rsbib.web.bib import export_rows
from tests.conftest import run


def choices(command: str, option: str) -> list[str]:
    param = next(p for p in cli.commands[command].params if p.name == option)
    assert isinstance(param.type, click.Choice)
    return list(param.type.choices)


def test_the_format_names_are_listed_once():
    assert NAMES == ("bibtex", "biblatex", "csl-json")
    assert choices("export", "fmt") == list(NAMES)
    assert [c for c in choices("search", "fmt") if c in FORMATS] == list(NAMES)
    pages = {r["extension"] for r in register_output_renderer(None)}
    assert pages == {f.extension for f in FORMATS.values()} == {"bib", "biblatex", "csljson"}


def test_an_unknown_target_format_is_named_with_the_registry(library_copy):
    (library_copy.parent / "rsbib.toml").write_text('[[export]]\npath = "x.txt"\nformat = "ris"\n')
    result = run("sync", "--offline", "--db", str(library_copy))
    assert result.exit_code == 2
    assert "export[1].format: 'ris' is not one of bibtex, biblatex, csl-json" in result.stderr


def test_a_page_of_works_and_the_same_keys_export_alike(synced_db):
    """Datasette (works shown) and `rsbib export --keys` (keys cited) go through one pipeline."""
    conn = sqlite3.connect(synced_db)
    conn.row_factory = sqlite3.Row
    try:
        library = Library.reader(conn, synced_db)
        works = [dict(r) for r in conn.execute("SELECT id, citekey FROM works ORDER BY id LIMIT 12")]
        for fmt in NAMES:
            page = export_rows(library, [{"id": w["id"]} for w in works], "works", fmt)
            by_keys = export(library, ExportOptions(format=fmt, keys=(",".join(w["citekey"] for w in works),),
                                                    document_order=False))
            by_shown = export(library, ExportOptions(format=fmt, shown=Shown(
                citekeys=frozenset(w["citekey"] for w in works))))
            assert page == by_keys.text == by_shown.text and len(by_keys.items) == 12
            cli_text = run("export", "--db", str(synced_db), "--format", fmt, "--order", "library",
                           "--keys", ",".join(w["citekey"] for w in works)).stdout
            assert cli_text == page
    finally:
        conn.close()


def test_authors_are_joined_and_split_by_one_pair_of_functions():
    authors = [Author("Le Saux", "Bertrand"), Author("Zhu", "Xiao Xiang"), Author("Consortium")]
    text = join_authors(authors)
    assert text == "Le Saux, Bertrand and Zhu, Xiao Xiang and Consortium"
    assert split_authors(text) == authors
    assert (join_authors([]), split_authors(None), split_authors("")) == ("", [], [])


def test_the_stored_authors_string_is_the_ordered_authors_joined(synced_db):
    conn = sqlite3.connect(synced_db)
    try:
        stored = dict(conn.execute("SELECT id, authors FROM works WHERE authors IS NOT NULL"))
        ordered: dict[int, list[Author]] = {}
        for work_id, family, given in conn.execute(
                "SELECT wa.work_id, a.family, a.given FROM work_authors wa JOIN authors a "
                "ON a.id = wa.author_id ORDER BY wa.work_id, wa.position"):
            ordered.setdefault(work_id, []).append(Author(family, given or ""))
    finally:
        conn.close()
    assert len(stored) > 50
    # An incomplete list ends with BibTeX's mark, which names no one (tests/test_incomplete_authors.py).
    assert {i: join_authors(ordered[i], authors_incomplete(stored[i])) for i in stored} == stored
    assert sum(authors_incomplete(text) for text in stored.values()) == 1
