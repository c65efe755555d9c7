"""The list's tokens read the fast way (long tables' rows outside markdown-it) are markdown-it's own."""

from __future__ import annotations

import pytest

from bench import synthetic
from rsbib.lists import tokens
from rsbib.lists.parse import embedded_list_text, parse
from tests.conftest import ROOT

HEAD = "|Abbreviation|Title|Publication|Paper|Code|\n|---|:---:|---:|---|---|\n"
ROWS = (
    "|**A1**|**Plain Title One**|TGRS2022|[A1](https://arxiv.org/abs/2101.00001)|null|\n"
    "|**A2**|**Title with \\| escaped pipe**|CVPR2023|[A2](https://doi.org/10.1109/CVPR.2023.1)|[code](https://github.com/a/b)|\n"
    "|**A3**|** spaced bold **|Arxiv2023|[x](https://Example.COM/Path)|-|\n"
    "|A4|Title &amp; entity `code`|ICCV2021|<https://example.org/auto>|null|\n"
    "|**A5**|**Title (with) parens**|ECCV2022|[A5](https://example.org/a(b)c)|null|\n"
    "|**A6**|**Ünïcode Tïtle**|NeurIPS2022|[A6](https://exämple.org/ü?q=1%20x)|null|\n"
    "|**A7**|Short row|\n"
    "|**A8**|**Long row**|X2020|[A8](https://a.org/)|null|extra|more|\n"
    "|**A9**|<b>html</b> title|X2021|<a href=\"https://a.org/h\">h</a>|null|\n"
    "|**A10**|![img](https://a.org/i.png) title|X2021|[A10](javascript:alert(1))|null|\n"
    "|||||\n"
    "|**A12**|*single* _under_ ~~strike~~|X2022|[A12](https://a.org/x \"title\")|null|\n"
)
CASES = {
    "rows of every kind": "# Vision\n\n" + HEAD + ROWS + "\nText after.\n",
    "crlf line ends": ("# Vision\n\n" + HEAD + ROWS).replace("\n", "\r\n"),
    "table at the end, no newline": "## T\n\n" + HEAD + ROWS.rstrip("\n"),
    "a row without a leading pipe ends nothing": "## T\n\n" + HEAD + ROWS + "**B1**|**No pipe**|X2020|-|-|\n" + ROWS,
    "tables back to back": "## T\n\n" + HEAD + ROWS + HEAD + ROWS,
    "header only, then rows after a blank": "## T\n\n" + HEAD + "\n" + ROWS,
    "in a fence": "## T\n\n```\n" + HEAD + ROWS + "```\n",
    "in a quote": "## T\n\n> " + HEAD.replace("\n", "\n> ") + ROWS.replace("\n", "\n> ") + "\n",
    "in a list item": "- item\n\n  " + HEAD.replace("\n", "\n  ") + ROWS.replace("\n", "\n  ") + "\n",
    "in an html block": "<div>\n" + HEAD + ROWS + "</div>\n",
    "paragraph, then a table": "Some words\n" + HEAD + ROWS,
    "a reference link in a cell": "## T\n\n" + HEAD + ROWS + "|**R**|**Ref**|X2020|[R][ref]|null|\n\n[ref]: https://a.org/r\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_tricky_tables_give_markdown_its_tokens(name):
    text = CASES[name]
    assert tokens.tokens(text) == tokens.markdown().parse(text)


def test_tokens_made_by_the_constructor_are_the_same(monkeypatch):
    """The fast way makes its tokens without Token's __init__; with it (another markdown-it-py), the same."""
    text = CASES["rows of every kind"] + synthetic.make(50)[0]
    fast = tokens.tokens(text)
    monkeypatch.setattr(tokens, "_FAST", False)
    assert tokens.tokens(text) == fast == tokens.markdown().parse(text)
    made = [t for t in fast if t.type == "inline"] + [c for t in fast for c in t.children or []]
    assert len({id(t.attrs) for t in made if t.type in ("inline", "link_open")}) == \
        len([t for t in made if t.type in ("inline", "link_open")])  # each its own attrs, as markdown-it


def test_the_lists_give_markdown_its_tokens_and_the_same_rows():
    texts = [embedded_list_text(), synthetic.make(1200)[0],
             *(p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "lists").glob("*.md")))]
    for text in texts:
        lines = text.split("\n")
        assert tokens._rows_to_take(lines), "the fast way must be taken for these lists"
        assert tokens.tokens(text) == tokens.markdown().parse(text)


def test_a_long_list_parses_to_one_row_per_line():
    text, records = synthetic.make(3000)
    parsed = parse(text, "synthetic.md")
    assert len(parsed.rows) == len(records) == 3000 and not parsed.problems
    assert [r.title for r in parsed.rows] == [r["title"] for r in records]
