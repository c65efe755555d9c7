"""`rsbib pin --clear` never costs what the library knew; `--set authors` takes only names it can write."""

import sqlite3

import pytest

from tests.conftest import run
from tests.test_corrections import pin


def authors(db, key):
    conn = sqlite3.connect(db)
    work_id, joined = conn.execute("SELECT id, authors FROM works WHERE citekey = ?", [key]).fetchone()
    names = [r[0] for r in conn.execute(
        "SELECT a.name FROM work_authors w JOIN authors a ON a.id = w.author_id "
        "WHERE w.work_id = ? ORDER BY w.position", [work_id])]
    return joined, names



@pytest.mark.parametrize("value,words", [
    ("and others", "authors names no one: write 'Family, Given and others'"),
    ("others", "authors names no one: write 'Family, Given and others'"),
    ("et al.", "authors names no one: write 'Family, Given and others'"),
    ("Fu, K. et al.", "'et al.' inside a name: end the list with ' and others'"),
    ("Fu, K. and Li, W. et al", "'et al.' inside a name: end the list with ' and others'"),
    ("Fu, K.; Li, W.", "';' between names: separate authors with ' and '"),
    ("Fu, K. and and others", "an empty name between 'and's"),
    ("and Fu, K.", "an empty name between 'and's"),
    ("Fu, K. and", "an empty name between 'and's"),
    ("others and Fu, K.", "'others' stands for the authors not named: put it last"),
])
def test_authors_that_cannot_be_written_are_refused(library_copy, value, words):
    result = run("pin", "67", "--set", f"authors={value}", "--db", str(library_copy))
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == f"rsbib: line 67: nothing stored: {words}"
    assert sqlite3.connect(library_copy).execute("SELECT count(*) FROM corrections").fetchone() == (0,)


def test_authors_are_stored_in_the_one_form(library_copy):
    stored = pin(library_copy, "67", "--set", "authors=Fu,  K. and Li, W. and et al.")
    assert "stored authors = Fu, K. and Li, W. and others" in stored.stderr
    assert authors(library_copy, "liu2024remoteclip") == ("Fu, K. and Li, W. and others", ["Fu, K.", "Li, W."])
