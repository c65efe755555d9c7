"""Family and given names kept as their owners write them, from the sources to every export."""

import json
import sqlite3

import bibtexparser
import pytest

from rsbib.metadata.names import parse_name
from rsbib.metadata.records import Author
from tests.conftest import run


@pytest.mark.parametrize("whole,expected", [
    ("Vicente Vivanco Cepeda", Author("Vivanco Cepeda", "Vicente")),  # rsbib/data/family_names.txt
    ("Juan M. Lavista Ferres", Author("Lavista Ferres", "Juan M.")),  # after a middle initial
    ("Nassim Ait Ali Braham", Author("Ait Ali Braham", "Nassim")),  # a capitalised particle
    ("J. Michael Smith", Author("Smith", "J. Michael")),  # a leading initial is no such sign
    ("David B. Lobell", Author("Lobell", "David B.")),
    ("Gaurav Kumar Nayak", Author("Nayak", "Gaurav Kumar")),
])
def test_whole_names_keep_multi_word_family_names(whole, expected):
    assert parse_name(whole) == expected


def _authors(db, key: str) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    return conn.execute(
        "SELECT a.family, a.given FROM works w JOIN work_authors wa ON wa.work_id = w.id "
        "JOIN authors a ON a.id = wa.author_id WHERE w.citekey = ? ORDER BY wa.position", [key]).fetchall()


def test_synced_library_keeps_the_sources_split_and_keys_by_the_whole_family_name(synced_db):
    # GeoCLIP and the CVPR workshop paper come from arXiv and DBLP, which give whole names.
    assert _authors(synced_db, "vivancocepeda2023geoclip")[0] == ("Vivanco Cepeda", "Vicente")
    assert ("Lavista Ferres", "Juan M.") in _authors(synced_db, "corley2024revisiting")
    # Crossref's family/given split is kept as Crossref gives it.
    assert ("Giró-i-Nieto", "Xavier") in _authors(synced_db, "manas2021seasonal")


def test_a_key_given_under_the_old_split_stays_on_a_later_sync(library_copy, api):
    conn = sqlite3.connect(library_copy)
    with conn:  # as an older rsbib left it: split at the last word, keyed by it
        conn.execute("UPDATE works SET citekey = 'cepeda2023geoclip' WHERE citekey = 'vivancocepeda2023geoclip'")
        conn.execute("UPDATE authors SET family = 'Cepeda', given = 'Vicente Vivanco', "
                     "name = 'Cepeda, Vicente Vivanco' WHERE name = 'Vivanco Cepeda, Vicente'")
    conn.close()
    result = run("sync", "--db", str(library_copy), "--refresh")
    assert result.exit_code == 0, result.output
    assert _authors(library_copy, "cepeda2023geoclip")[0] == ("Vivanco Cepeda", "Vicente")
    assert _authors(library_copy, "vivancocepeda2023geoclip") == []


def test_every_format_writes_the_family_names_whole(synced_db):
    bib = run("export", "--db", str(synced_db)).stdout
    entries = {e.key: e for e in bibtexparser.parse_string(bib).entries}
    assert entries["manas2021seasonal"]["author"].count("Gir{\\'o}{-}i{-}Nieto, Xavier") == 1
    assert entries["vivancocepeda2023geoclip"]["author"].startswith("Vivanco Cepeda, Vicente and")
    assert "Lavista Ferres, Juan M." in entries["corley2024revisiting"]["author"]
    items = {i["id"]: i for i in json.loads(run("export", "--db", str(synced_db), "--format", "csl-json").stdout)}
    assert items["vivancocepeda2023geoclip"]["author"][0] == {"family": "Vivanco Cepeda", "given": "Vicente"}
