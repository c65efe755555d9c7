"""The shipped library holds nothing the stand-in made up, and says what it was built from."""

import sqlite3

import pytest

from rsbib.metadata.names import parse_name
from rsbib.metadata.records import Author
from tests.conftest import ROOT, run

SHIPPED = ROOT / "library.db"
MARKERS = ("Abstract of ", "Synthetic", "Distractor", "10.5555/", "9912.", "near-miss", "stand-in of the rsbib")


def test_shipped_library_holds_no_standin_marker():
    conn = sqlite3.connect(f"file:{SHIPPED}?mode=ro", uri=True)
    tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE '%fts%' AND name != 'about'")]
    found = []
    for table in tables:
        for row in conn.execute(f"SELECT * FROM [{table}]"):
            text = " ".join(str(v) for v in row if v is not None)
            found += [(table, m) for m in MARKERS if m in text]
    assert found == []


def test_status_says_what_the_library_was_built_from():
    result = run("status", "--db", str(SHIPPED))
    assert result.exit_code == 0
    assert "Built from the offline snapshot of the papers' public records" in result.stdout
    assert "DOIs on weak evidence" in result.stdout and "10.1109/" in result.stdout


@pytest.mark.parametrize("whole,expected", [
    ("Bertrand Le Saux", Author("Le Saux", "Bertrand")),
    ("Ludwig van Beethoven", Author("van Beethoven", "Ludwig")),
    ("José Marcato Junior", Author("Marcato Junior", "José")),
    ("Xiao Xiang Zhu", Author("Zhu", "Xiao Xiang")),
    ("Le Saux, Bertrand", Author("Le Saux", "Bertrand")),
    ("Plato", Author("Plato")),
])
def test_whole_names_split_with_particles(whole, expected):
    assert parse_name(whole) == expected
