"""Reading the list: every row of every table, columns by name, cite blocks."""

from collections import Counter

from rsbib.lists.parse import embedded_list_text, parse, split_publication

EXPECTED_COUNTS = {"vision": 45, "vision-language": 8, "generative": 3, "vision-location": 3,
                   "vision-audio": 1, "benchmark": 5, "dataset": 17, "survey": 11}


def by_line(parsed):
    return {row.line: row for row in parsed.rows}


def test_embedded_list_has_93_rows_in_8_categories():
    parsed = parse(embedded_list_text())
    assert Counter(r.category for r in parsed.rows) == EXPECTED_COUNTS
    assert [c.slug for c in parsed.categories] == list(EXPECTED_COUNTS)
    assert parsed.problems == []


def test_rows_carry_the_source_line_and_cells():
    text = embedded_list_text()
    lines = text.splitlines()
    for row in parse(text).rows:
        assert row.title in lines[row.line - 1].replace("\\|", "|"), row


def test_row_fields_of_typical_rows():
    rows = by_line(parse(embedded_list_text()))
    geokr = rows[16]
    assert (geokr.category, geokr.abbreviation, geokr.venue_label, geokr.label_year) == (
        "vision", "GeoKR", "TGRS", 2021)
    assert geokr.title == "Geographical Knowledge-Driven Representation Learning for Remote Sensing Images"
    assert geokr.paper_url == "https://ieeexplore.ieee.org/abstract/document/9559903"
    assert geokr.code_url.startswith("https://github.com/flyakon/")
    assert rows[17].abbreviation is None  # "**-**" means none
    assert rows[28].code_url == "https://github.com/ZhAnGToNG1/transfer_learning_cspt"
    assert rows[22].code_url is None  # "null"
    assert rows[52].code_url is None  # plain "Comming soon"
    assert rows[90].code_url == "https://github.com/microsoft/satclip"  # "[Comming soon](url)"
    assert rows[128].code_url is None  # "[Comming soon]" with no URL
    seg2sat = rows[80]
    assert (seg2sat.venue_label, seg2sat.label_year, seg2sat.paper_url) == ("Github", None, None)


def test_tables_with_other_columns():
    rows = by_line(parse(embedded_list_text()))
    assert rows[102].extra == {"Downstream Tasks": "Classification & Segmentation"}
    assert rows[112].extra == {"Attribute": "Vision"}
    survey = rows[138]
    assert survey.category == "survey" and survey.abbreviation is None
    assert survey.venue_label == "武汉大学学报 (信息科学版)" and survey.label_year == 2023
    assert survey.code_url is None and survey.extra == {"Attribute": "Vision & Vision-Language"}


def test_publication_labels_split_into_venue_and_year():
    assert split_publication("TGRS2021") == ("TGRS", 2021)
    assert split_publication("NeurIPSW2023") == ("NeurIPSW", 2023)
    assert split_publication("武汉大学学报 (信息科学版) 2023") == ("武汉大学学报 (信息科学版)", 2023)
    assert split_publication("-") == (None, None)
    assert split_publication("Github") == ("Github", None)


def test_cite_block_is_parsed_with_bibtexparser():
    parsed = parse(embedded_list_text())
    [block] = parsed.cite_blocks
    assert block.key == "guo2023skysense"
    assert block.fields["eprint"] == "2312.10115"
    assert embedded_list_text().splitlines()[block.line - 1].startswith("@misc{guo2023skysense")


TABLE = "|Abbreviation|Title|Publication|Paper|Code|\n|---|---|---|---|---|\n"


def test_new_section_reordered_and_extra_columns_and_deeper_headings():
    text = (
        "# List\n\n## Remote Sensing <ins>Agent</ins> Foundation Models\n\n" + TABLE
        + "|**A1**|**Agent One**|Arxiv2024|[p](https://arxiv.org/abs/2401.00001)|null|\n\n"
        "## Empty heading with no table\n\nJust text.\n\n"
        "### Reordered Tables\n\n|Paper|Title|Stars|Publication|\n|---|---|---|---|\n"
        "|[p](https://doi.org/10.1/ABC)|**Reordered Row**|5|CVPR2023|\n"
    )
    parsed = parse(text, "variant.md")
    assert [c.slug for c in parsed.categories] == ["agent", "reordered-table"]
    first, second = parsed.rows
    assert (first.category, first.title, first.abbreviation) == ("agent", "Agent One", "A1")
    assert (second.title, second.paper_url, second.venue_label) == (
        "Reordered Row", "https://doi.org/10.1/ABC", "CVPR")
    assert second.extra == {"Stars": "5"} and second.line == 17


def test_escaped_pipes_and_markup_in_titles():
    text = "## Survey Papers\n" + TABLE + "|-|**A \\| B *and* `C`**|TGRS2020|[x](https://x.org/a)|null|\n"
    [row] = parse(text).rows
    assert row.title == "A | B and C"


def test_table_without_title_column_is_reported_not_fatal():
    text = "## Odd\n|Name|Link|\n|---|---|\n|x|y|\n\n## Survey Papers\n" + TABLE + \
        "|-|**Kept**|RS2020|null|null|\n"
    parsed = parse(text, "odd.md")
    assert [r.title for r in parsed.rows] == ["Kept"]
    assert [str(p) for p in parsed.problems] == [
        "odd.md:2: table has no Title column; its rows are skipped"]
