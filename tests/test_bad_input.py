"""Damaged lists: each gives a warning naming file, line and reason, keeps every good row, never a traceback."""

import sqlite3

import pytest

from tests.conftest import run

HEAD = "## Remote Sensing <ins>Vision</ins> Foundation Models\n\n"
TABLE = "|Abbreviation|Title|Publication|Paper|Code|\n|---|---|---|---|---|\n"
GOOD = "|**G1**|**Good One**|TGRS2022|[p](https://arxiv.org/abs/2401.00001)|null|\n"
GOOD2 = "|**G2**|**Good Two**|CVPR2023|[p](https://doi.org/10.1000/two)|null|\n"


def table(*rows: str) -> str:
    return HEAD + TABLE + GOOD + "".join(rows) + GOOD2


# name -> (list text, line of the warning, words of the reason, titles that must be kept)
CASES = {
    "missing cells": (table("|**M**|**Missing Cells**|TGRS2020|\n"), 6, "row has 3 cells, the header 5",
                      ["Good One", "Missing Cells", "Good Two"]),
    "extra cells": (table("|**E**|**Extra Cells**|RS2021|[p](https://x.org/e)|null|surplus|\n"), 6,
                    "the extra ones are ignored", ["Good One", "Extra Cells", "Good Two"]),
    "escaped pipe in title": (table("|-|**A \\| B**|RS2021|null|null|\n", "|-|**No Title Here|\n"), 7,
                              "row has 2 cells", ["Good One", "A | B", "**No Title Here", "Good Two"]),
    "row without title": (table("|**T**||RS2021|null|null|\n"), 6, "row has no title; skipped",
                          ["Good One", "Good Two"]),
    "table without delimiter row": (
        table() + "\n## Survey Papers\n|Title|Publication|\n|**Lost**|RS2020|\n", 10,
        "not in a table (missing delimiter row?)", ["Good One", "Good Two"]),
    "table without title column": (
        table() + "\n## Other\n|Name|Link|\n|---|---|\n|x|y|\n", 9, "table has no Title column",
        ["Good One", "Good Two"]),
    "empty table": (table() + "\n## Empty\n|Title|Paper|\n|---|---|\n", 9, "table has no rows",
                    ["Good One", "Good Two"]),
    "duplicate rows": (table(GOOD), 6, "repeats the row of line 5", ["Good One", "Good One", "Good Two"]),
    "javascript link": (table("|**J**|**Script**|RS2021|[x](javascript:alert(1))|null|\n"), 6,
                        "paper link 'javascript:alert(1' is not an http(s) URL",
                        ["Good One", "Script", "Good Two"]),
    "relative link": (table("|**R**|**Relative**|RS2021|[x](paper.pdf)|null|\n"), 6,
                      "paper link 'paper.pdf' is not an http(s) URL", ["Good One", "Relative", "Good Two"]),
    "file link": (table("|**F**|**File**|RS2021|null|[c](file:///etc/passwd)|\n"), 6,
                  "code link 'file:///etc/passwd' is not an http(s) URL", ["Good One", "File", "Good Two"]),
    "not utf-8": (table("|**U**|**Bad \udcff Byte**|RS2021|null|null|\n"), 6,
                  "bytes that are not UTF-8", ["Good One", "Bad \ufffd Byte", "Good Two"]),
    "broken cite block": (table() + "\n## Cite\n```\n@misc{key,\n  title={Unclosed,\n```\n", 10,
                          "cite block is not valid BibTeX", ["Good One", "Good Two"]),
}


def write_case(path, text):
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))


@pytest.mark.parametrize("name", CASES)
def test_damaged_list(tmp_path, name):
    text, line, reason, kept = CASES[name]
    source = tmp_path / "list.md"
    write_case(source, text)
    db = tmp_path / "x.db"
    result = run("sync", "--offline", "--source", str(source), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert f"warning: {source}:{line}: " in result.stderr and reason in result.stderr, result.stderr
    titles = [r[0] for r in sqlite3.connect(db).execute("SELECT title FROM entries ORDER BY line")]
    assert titles == kept


# Damage that is repaired silently: the row is read right, no warning needed.
QUIET = {
    "url with parentheses": ("|**P**|**Parens**|RS2021|[x](https://en.wikipedia.org/wiki/A_(b))|null|\n",
                             "paper_url", "https://en.wikipedia.org/wiki/A_(b)"),
    "bare url": ("|**B**|**Bare**|RS2021|https://arxiv.org/abs/2401.00002|null|\n",
                 "link_arxiv_id", "2401.00002"),
    "invisible characters in an id": ("|**I**|**Invisible**|RS2021|[x](https://arxiv.org/abs/2401.\u200b00003)|null|\n",
                                      "link_arxiv_id", "2401.00003"),
    "html in cells": ("|**H**|<b>Html</b> Title<br>|RS2021|<a href=\"https://x.org/h\">p</a>|null|\n",
                      "paper_url", "https://x.org/h"),
    "link text says comming soon": ("|**C**|**Coming**|RS2021|null|[Comming soon](https://github.com/c/c)|\n",
                                    "code_url", "https://github.com/c/c"),
    "sql in a title": ("|**S**|**'); DROP TABLE works; --**|RS2021|null|null|\n",
                       "title", "'); DROP TABLE works; --"),
}


@pytest.mark.parametrize("name", QUIET)
def test_repaired_quietly(tmp_path, name):
    row, column, expected = QUIET[name]
    source = tmp_path / "list.md"
    write_case(source, table(row))
    db = tmp_path / "x.db"
    result = run("sync", "--offline", "--source", str(source), "--db", str(db))
    assert result.exit_code == 0 and "warning" not in result.stderr, result.stderr
    conn = sqlite3.connect(db)
    values = [r[0] for r in conn.execute(f"SELECT {column} FROM entries ORDER BY line")]
    assert values[1] == expected and len(values) == 3
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'works'").fetchone() == (1,)


def test_crlf_line_endings_and_a_byte_order_mark(tmp_path):
    source = tmp_path / "list.md"
    source.write_bytes(b"\xef\xbb\xbf" + table().replace("\n", "\r\n").encode())
    result = run("sync", "--offline", "--source", str(source), "--db", str(tmp_path / "x.db"))
    assert result.exit_code == 0 and "Synced 2 rows" in result.stderr and "warning" not in result.stderr


@pytest.mark.slow
def test_a_very_large_list(tmp_path):
    rows = "".join(f"|**R{n}**|**Paper number {n}**|RS2021|[p](https://arxiv.org/abs/2401.{n:05d})|null|\n"
                   for n in range(20000))
    source = tmp_path / "big.md"
    source.write_text(HEAD + TABLE + rows)
    result = run("sync", "--offline", "--source", str(source), "--db", str(tmp_path / "x.db"))
    assert result.exit_code == 0 and "Synced 20000 rows" in result.stderr


@pytest.mark.parametrize("args,words", [
    (["--source", "{tmp}"], "cannot read the list (Is a directory)"),
    (["--source", "{tmp}/absent.md"], "cannot read the list (No such file or directory)"),
    (["--db", "{tmp}"], "cannot open as a library"),
    (["--db", "{tmp}/list.md"], "cannot open as a library"),
])
def test_unusable_source_or_db_is_one_line_and_exit_2(tmp_path, args, words):
    (tmp_path / "list.md").write_text(table())
    args = [a.format(tmp=tmp_path) for a in args]
    if "--db" not in args:
        args += ["--db", str(tmp_path / "x.db")]
    result = run("sync", "--offline", *args)
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and words in result.stderr, result.stderr
