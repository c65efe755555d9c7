"""Export: selection, order, formats, golden entries, and the real TeX and citeproc tools."""

import json
import os
import re
import shutil
import sqlite3
import subprocess

import bibtexparser
import pytest

from rsbib.export import Item
from rsbib.export.bibtex import write
from rsbib.metadata.records import Author
from tests.conftest import run

# CI installs the tools and sets this, so a missing tool fails there instead of skipping.
REQUIRE_TOOLS = os.environ.get("RSBIB_REQUIRE_TEX") == "1"


def tool(name):
    if shutil.which(name) is None:
        if REQUIRE_TOOLS:
            pytest.fail(f"{name} is not installed (RSBIB_REQUIRE_TEX=1)")
        pytest.skip(f"{name} is not installed")


def export(db, *args):
    result = run("export", "--db", str(db), *args)
    assert result.exit_code == 0, result.output
    return result


def keys_of(text):
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    return [e.key for e in library.entries]


def expected_keys(db, where="1"):
    conn = sqlite3.connect(db)
    return {r[0] for r in conn.execute(
        f"SELECT coalesce(w.citekey, e.citekey) FROM entries e LEFT JOIN works w ON w.id = e.work_id "
        f"WHERE {where}")}


def test_survey_export_is_the_survey_table(synced_db):
    keys = keys_of(export(synced_db, "--category", "survey").stdout)
    assert len(keys) == 11 == len(set(keys))
    assert set(keys) == expected_keys(synced_db, "e.category = 'survey'")


def test_full_export_has_one_entry_per_paper(synced_db):
    keys = keys_of(export(synced_db).stdout)
    assert len(keys) == len(set(keys)) == len(expected_keys(synced_db))
    assert "guo2023skysense" in keys
    conn = sqlite3.connect(synced_db)
    assert len(keys) == conn.execute("SELECT count(*) FROM works").fetchone()[0] + 7


def test_order_is_table_order_then_list_order(synced_db):
    keys = keys_of(export(synced_db, "-c", "benchmark", "-c", "vision").stdout)
    conn = sqlite3.connect(synced_db)
    in_list_order = [r[0] for r in conn.execute(
        "SELECT coalesce(w.citekey, e.citekey) FROM entries e LEFT JOIN works w ON w.id = e.work_id "
        "WHERE e.category IN ('vision', 'benchmark') ORDER BY e.line")]
    assert keys == list(dict.fromkeys(in_list_order))  # vision (first table) before benchmark
    assert keys.count("guo2023skysense") == 1  # in both tables, exported once
    assert keys_of(export(synced_db, "-c", "vision", "-c", "benchmark").stdout) == keys


@pytest.mark.parametrize("name,slug", [("Survey", "survey"), ("vision-la", "vision-language"),
                                       ("Survey Papers", "survey"), ("VISION", "vision"),
                                       ("bench", "benchmark")])
def test_category_names(synced_db, name, slug):
    assert set(keys_of(export(synced_db, "--category", name).stdout)) == \
        expected_keys(synced_db, f"e.category = '{slug}'")


@pytest.mark.parametrize("name,message", [("vision-l", "ambiguous"), ("nope", "no table named")])
def test_unknown_or_ambiguous_category(synced_db, name, message):
    result = run("export", "--db", str(synced_db), "--category", name)
    assert result.exit_code == 2 and message in result.stderr
    assert "valid: vision, vision-language, generative" in result.stderr and result.stdout == ""


def test_resolved_only_and_output_file(synced_db, tmp_path):
    keys = keys_of(export(synced_db, "--resolved-only").stdout)
    assert "seg2sat" not in keys and "geco2022" not in keys and "guo2023skysense" in keys
    target = tmp_path / "refs.bib"
    result = export(synced_db, "-c", "survey", "-o", str(target))
    assert result.stdout == "" and "11 entries written" in result.stderr
    assert len(keys_of(target.read_text())) == 11


def test_chinese_papers_are_exported_with_a_warning(synced_db):
    result = export(synced_db, "-c", "survey")
    assert "anon2023yaogan: title has characters pdflatex cannot set" in result.stderr
    # pdflatex-safe throughout: the original script only with --unicode (biblatex-apa prints origtitle)
    assert result.stdout.isascii() and "origtitle" not in result.stdout
    assert "language = {chinese}" in result.stdout


def test_biblatex_and_csl_keep_utf8(synced_db):
    biblatex = export(synced_db, "--format", "biblatex").stdout
    assert "Mañas, Oscar" in biblatex  # UTF-8 where pdflatex sets it; Chinese as pinyin
    assert "title = {Yáogǎn dà móxíng" in biblatex and "遥感大模型" not in biblatex
    unicode = export(synced_db, "--format", "biblatex", "--unicode").stdout
    assert "遥感大模型" in unicode
    assert len(keys_of(biblatex)) == len(expected_keys(synced_db))
    items = json.loads(export(synced_db, "--format", "csl-json").stdout)
    assert {i["id"] for i in items} == expected_keys(synced_db)
    skysense = next(i for i in items if i["id"] == "guo2023skysense")
    assert skysense["DOI"] == "10.1109/cvpr52733.2024.02613" and skysense["type"] == "paper-conference"


# -- golden entries ------------------------------------------------------------------


def work(**fields):
    base = {"title": None, "doi": None, "arxiv_id": None, "year": None, "month": None,
            "venue": None, "type": "journal-article", "volume": None, "issue": None,
            "pages": None, "publisher": None, "primary_class": None, "venue_source": "crossref",
            "title_en": None}
    return {**base, **fields}


ENTRY = {"abbreviation": None, "title": "", "paper_url": None, "code_url": None,
         "label_year": None, "publication": None}

GOLDEN = [
    ("journal article",
     Item("li2022geographical", "work", work(
         title="Geographical Knowledge-Driven Representation Learning for Remote Sensing Images",
         doi="10.1109/tgrs.2021.3115569", year=2022, venue="IEEE Transactions on Geoscience and Remote Sensing",
         volume="60", issue="3", pages="1-16"), ENTRY,
         [Author("Li", "Wenyuan"), Author("Chen", "Keyan"), Author("Shi", "Zhenwei")]),
     """@article{li2022geographical,
  author = {Li, Wenyuan and Chen, Keyan and Shi, Zhenwei},
  title = {Geographical Knowledge-Driven Representation Learning for Remote Sensing Images},
  journal = {IEEE Transactions on Geoscience and Remote Sensing},
  year = {2022},
  volume = {60},
  number = {3},
  pages = {1--16},
  doi = {10.1109/tgrs.2021.3115569}
}
"""),
    ("conference paper",
     Item("manas2021seasonal", "work", work(
         title="Seasonal Contrast: Unsupervised Pre-Training From Uncurated Remote Sensing Data",
         doi="10.1109/iccv48922.2021.00928", year=2021, type="proceedings-article",
         venue="2021 IEEE/CVF International Conference on Computer Vision (ICCV)", pages="9394-9403",
         publisher="IEEE", arxiv_id="2103.16607", primary_class="cs.CV"), ENTRY,
         [Author("Mañas", "Oscar"), Author("Giró-i-Nieto", "Xavier")]),
     r"""@inproceedings{manas2021seasonal,
  author = {Ma{\~n}as, Oscar and Gir{\'o}{-}i{-}Nieto, Xavier},
  title = {Seasonal Contrast: Unsupervised Pre-Training From Uncurated Remote Sensing Data},
  booktitle = {IEEE/CVF International Conference on Computer Vision},
  year = {2021},
  pages = {9394--9403},
  doi = {10.1109/iccv48922.2021.00928},
  eprint = {2103.16607},
  archiveprefix = {arXiv},
  primaryclass = {cs.CV}
}
"""),
    ("preprint",
     Item("cha2023billionscale", "work", work(
         title="A Billion-scale Foundation Model for Remote Sensing Images", arxiv_id="2304.05215",
         year=2023, month=4, type="preprint", primary_class="cs.CV", venue_source="arxiv"), ENTRY,
         [Author("Cha", "Keumgang")]),
     """@misc{cha2023billionscale,
  author = {Cha, Keumgang},
  title = {A Billion-scale Foundation Model for Remote Sensing Images},
  howpublished = {arXiv preprint arXiv:2304.05215},
  year = {2023},
  month = apr,
  eprint = {2304.05215},
  archiveprefix = {arXiv},
  primaryclass = {cs.CV},
  url = {https://arxiv.org/abs/2304.05215}
}
"""),
    ("GitHub project",
     Item("seg2sat", "project", None, {**ENTRY, "abbreviation": "Seg2Sat",
          "title": "Seg2Sat - Segmentation to aerial view using pretrained diffuser models",
          "code_url": "https://github.com/RubenGres/Seg2Sat"}),
     """@misc{seg2sat,
  key = {Seg2Sat},
  title = {{Seg2Sat} - Segmentation to aerial view using pretrained diffuser models},
  howpublished = {GitHub repository},
  year = {n.d.},
  url = {https://github.com/RubenGres/Seg2Sat}
}
"""),
    ("Chinese-language paper",
     Item("fu2024yaogan", "work", work(
         title="遥感基础模型发展综述与未来设想", doi="10.11834/jrs.20233313", year=2024,
         venue="遥感学报 (National Remote Sensing Bulletin)"), ENTRY, [Author("Fu", "K.")]),
     r"""@article{fu2024yaogan,
  author = {Fu, K.},
  title = {Y{\'a}og{\v{a}}n j{\=\i}ch{\v{u}} m{\'o}x{\'\i}ng f{\={a}}zh{\v{a}}n z{\={o}}ngsh{\`u} y{\v{u}} w{\`e}il{\'a}i sh{\`e}xi{\v{a}}ng},
  journal = {National Remote Sensing Bulletin},
  year = {2024},
  doi = {10.11834/jrs.20233313},
  language = {chinese}
}
"""),
    ("title with LaTeX specials",
     Item("doe2020costs", "work", work(
         title="Costs & Benefits: 50% of $5 {Braces} for SAR_data #1 ~ ^ \\", year=2020,
         venue="Journal of R&D", doi="10.1000/a_b%c"), ENTRY, [Author("Doe", "Jane")]),
     r"""@article{doe2020costs,
  author = {Doe, Jane},
  title = {Costs \& Benefits: 50\% of \$5 \textbraceleft{}Braces\textbraceright{} for {SAR\_data} \#1 \textasciitilde{} \textasciicircum{} \textbackslash{}},
  journal = {Journal of R\&D},
  year = {2020},
  doi = {10.1000/a_b%c}
}
"""),
]


@pytest.mark.parametrize("name,item,expected", GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden_bibtex(name, item, expected):
    text, _ = write([item])
    assert text == expected


def test_hostile_titles_never_break_the_file_nor_inject_entries():
    hostile = ["Evil } @misc{injected, title={x}", "back\\slash \\input{/etc/passwd}",
               "100% line\nbreak", "@@@ {{{", "'; DROP TABLE works; --"]
    items = [Item(f"k{n}", "work", work(title=t, year=2020), ENTRY, [Author("A", "B")])
             for n, t in enumerate(hostile)]
    text, warnings = write(items)
    assert keys_of(text) == [f"k{n}" for n in range(len(hostile))] and warnings == []
    assert "\\input{" not in text and "\n  title = {100\\% line break}" in text


# -- the real tools -------------------------------------------------------------------


@pytest.mark.slow
def test_bibtex_export_compiles_with_bibtex_and_pdflatex(synced_db, tmp_path):
    tool("bibtex")
    tool("pdflatex")
    (tmp_path / "lib.bib").write_text(export(synced_db).stdout, encoding="utf-8")
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\\usepackage[T1]{fontenc}\\begin{document}\\nocite{*}"
        "\\bibliographystyle{plain}\\bibliography{lib}\\end{document}\n")
    latex = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc"]
    for step in (latex, ["bibtex", "doc"], latex, latex):
        done = subprocess.run(step, cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-2000:]
    blg = (tmp_path / "doc.blg").read_text()
    assert "Warning" not in blg and "error" not in blg.lower(), blg
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert not re.search(r"^!", log, re.M)
    assert (tmp_path / "doc.bbl").read_text().count("\\bibitem") == len(expected_keys(synced_db))


@pytest.mark.slow
def test_biblatex_export_passes_biber_validation(synced_db, tmp_path):
    tool("biber")
    (tmp_path / "lib.bib").write_text(export(synced_db, "--format", "biblatex").stdout, encoding="utf-8")
    done = subprocess.run(["biber", "--tool", "--validate-datamodel",
                           "-O", str(tmp_path / "out.bib"), "lib.bib"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]
    bib = (tmp_path / "lib.bib").read_text()
    # Two complaints are expected. rsbib's own note is outside biblatex's data model: biber
    # drops it, so no style can print it. The data model types `volume` as an integer, but a
    # volume such as ISPRS Annals' "IV-2/W7" is printed as it is by biber's normal run
    # (tests/test_export_compile.py); in `number` it would print as an issue.
    words = len(re.findall(r"volume = \{(?!\d+\})", bib))
    volume = "Invalid value of field 'volume' must be datatype 'integer'"
    complaints = re.findall(r"^(?:WARN|ERROR) - .*", done.stdout, re.M)
    assert [c for c in complaints if "Field 'rsbibnote' invalid" not in c and volume not in c] == []
    assert len([c for c in complaints if volume in c]) == words == 1
    assert "rsbibnote" in bib and "rsbibnote" not in (tmp_path / "out.bib").read_text(encoding="utf-8")


@pytest.mark.slow
def test_csl_json_renders_with_pandoc_citeproc(synced_db, tmp_path):
    tool("pandoc")
    items = json.loads(export(synced_db, "--format", "csl-json").stdout)
    (tmp_path / "refs.json").write_text(json.dumps(items), encoding="utf-8")
    (tmp_path / "doc.md").write_text('---\nnocite: "@*"\n---\n')
    done = subprocess.run(["pandoc", "--citeproc", "--bibliography", "refs.json", "-t", "plain",
                           "--wrap=none", "doc.md"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rendered = done.stdout.casefold()  # citeproc styles change the case of titles
    for item in items:
        title = re.sub(r"<[^>]+>", "", item["title"])  # the nocase spans are markup, not text
        assert title.split(":")[0][:25].casefold() in rendered, item["id"]
    assert len([p for p in rendered.split("\n\n") if p.strip()]) == len(items)


def test_journal_abbrev_gives_iso4_names_and_leaves_others(synced_db):
    entries = {e.key: e for e in bibtexparser.parse_string(
        export(synced_db, "--journal-abbrev").stdout).entries}
    journals = {e["journal"] for e in entries.values() if "journal" in e.fields_dict}
    assert "IEEE Trans. Geosci. Remote Sens." in journals
    assert "IEEE J. Sel. Top. Appl. Earth Obs. Remote Sens." in journals
    assert not any("Transactions on Geoscience" in j for j in journals)
    # Conferences keep their name; unknown venues pass through.
    assert entries["guo2023skysense"]["booktitle"] == (
        "IEEE/CVF Conference on Computer Vision and Pattern Recognition")


def test_unicode_keeps_chinese_titles_as_they_are(synced_db):
    result = export(synced_db, "-c", "survey", "--unicode")
    assert "title = {遥感大模型" in result.stdout and "origtitle" not in result.stdout
    assert "cannot set" not in result.stderr


@pytest.mark.parametrize("title,key", [
    ("A Self-Supervised Cross-Modal Remote Sensing Foundation Model with Multi-Domain Representation "
     "and Cross-Domain Fusion", "A Self-Supervised Cross-Modal Remote Sensing Foundation Model"),
    ("RingMo-lite: A Remote Sensing Multi-task Lightweight Network", "RingMo-lite"),
    ("Self-supervised Vision Transformers for Land-cover Segmentation and Classification",
     "Self-supervised Vision Transformers"),
    ("One two three four five six seven eight nine ten", "One two three four five six seven eight"),
])
def test_the_key_of_an_author_less_entry_is_a_short_title(title, key):
    # plainnat and apalike print `key` where the author goes: a whole long title there repeats it.
    item = Item("x", "unverified", None, {**ENTRY, "title": title, "paper_url": "https://example.org/p"})
    entry = bibtexparser.parse_string(write([item])[0]).entries[0]
    assert entry["key"] == key and entry["title"].replace("{", "").replace("}", "") == title


@pytest.mark.parametrize("text,latex", [
    ("jīchǔ", r"j{\=\i}ch{\v{u}}"),  # a macron over the dotless i, as over í and ì
    ("móxíng", r"m{\'o}x{\'\i}ng"),
    ("Ĩ ĭ", r"{\~{I}} {\u\i}"),  # a capital I has no dot
])
def test_accents_over_an_i_sit_on_the_dotless_i(text, latex):
    from rsbib.export.latex import escape

    assert escape(text) == latex
