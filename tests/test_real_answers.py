"""Real answers of the services, replayed through rsbib's own parsing: each parses to the right
record or is refused with a reason, and no stored field is ever anything but text of its kind."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from dataclasses import fields as dataclass_fields
from pathlib import Path

import pytest

from rsbib.metadata.records import Outcome, WorkRecord
from rsbib.resolve.matching import PUBLISHED_TYPES
from rsbib.sources.arxiv import ArxivSource
from rsbib.sources.base import BadAnswer, Rejected
from rsbib.sources.crossref import to_record, work_of, works_of
from rsbib.sources.dblp import parse_answer
from rsbib.sources.dblp import to_record as dblp_record
from rsbib.store.library import Library
from tests.conftest import run
from tests.standin.replay import RECORDINGS, Replay
from tests.test_sources import settings_for

ANSWERS = RECORDINGS / "answers"
SAMPLES = Path(__file__).parent / "data" / "dblp"
INDEX = list(csv.DictReader((ANSWERS / "INDEX.tsv").open(encoding="utf-8"), delimiter="\t"))
DOI_FORM = re.compile(r"^10\.\d{4,9}/\S+$")
TEXT_FIELDS = [f.name for f in dataclass_fields(WorkRecord)
               if f.name not in ("authors", "authors_incomplete", "year", "month", "arxiv_year")]


def records_of(service: str, body: str) -> list[WorkRecord]:
    """What rsbib's parsing makes of one answer body (BadAnswer when it refuses it)."""
    if service == "dblp":
        return parse_answer(body)
    answer = json.loads(body)
    return [work_of(answer)] if answer.get("message-type") == "work" else works_of(answer)


def every_answer() -> list[tuple[str, str, str]]:
    """(name, service, body) of each recorded answer: the corpus, habanero's, DBLP's samples."""
    found = [(row["file"], row["service"], (ANSWERS / row["file"]).read_text("utf-8")) for row in INDEX]
    for path in sorted((RECORDINGS / "crossref").glob("*.json")):
        recording = json.loads(path.read_text("utf-8"))
        if recording["recorded"]["status"]["code"] == 200:
            found.append((path.name, "crossref", recording["body"] if isinstance(recording["body"], str)
                          else json.dumps(recording["body"])))
    found += [(p.name, "dblp", p.read_text("utf-8")) for p in sorted(SAMPLES.glob("*.json"))]
    return found


def assert_plain(record: WorkRecord) -> None:
    """Every field is text of its kind: a title is never a dict, a year a number, a DOI a DOI."""
    assert isinstance(record.title, str) and record.title and "<" not in record.title
    for name in TEXT_FIELDS:
        value = getattr(record, name)
        assert value is None or isinstance(value, str), (name, value)
        assert not (isinstance(value, str) and re.search(r"^[\[{]'|&(amp|quot|lt|gt);", value)), (name, value)
    for name in ("year", "month", "arxiv_year"):
        value = getattr(record, name)
        assert value is None or (isinstance(value, int) and not isinstance(value, bool)), (name, value)
    assert record.doi is None or DOI_FORM.match(record.doi), record.doi
    assert all(isinstance(a.family, str) and isinstance(a.given, str) for a in record.authors)
    assert isinstance(record.authors_incomplete, bool)
    assert record.authors or not record.authors_incomplete  # "more authors" only after some are named


def test_the_corpus_says_where_each_answer_comes_from():
    assert {row["file"] for row in INDEX} == {p.name for p in ANSWERS.glob("*.json")}
    for row in INDEX:
        assert row["origin"].startswith("https://github.com/") and row["path"] and row["licence"]


@pytest.mark.parametrize("name,service,body", every_answer(), ids=lambda v: v if "." in str(v)[-6:] else "")
def test_every_recorded_answer_parses_to_plain_text_records(name, service, body):
    records = records_of(service, body)
    assert records or "no-hits" in name
    for record in records:
        assert_plain(record)


def answer(name: str) -> str:
    return (ANSWERS / name).read_text("utf-8")


def test_an_article_number_is_the_pages():
    [record] = records_of("crossref", answer("crossref-papis-article-number.json"))
    assert (record.pages, record.volume, record.issue, record.year) == ("022212", "106", "2", 2022)
    assert record.venue == "Physical Review A" and record.doi == "10.1103/physreva.106.022212"


def test_a_book_chapter_is_a_chapter_of_its_year_not_its_registration_year():
    [record] = records_of("crossref", answer("crossref-papis-book-chapter.json"))
    assert (record.type, record.year, record.pages) == ("book-chapter", 1999, "113-118")  # created: 2011
    assert record.venue == "Hyperbolic Problems: Theory, Numerics, Applications"


def test_a_work_list_of_other_types():
    chapter, article = records_of("crossref", answer("crossref-habanero-works-sample.json"))
    assert (chapter.type, chapter.year, chapter.doi) == ("misc", 2023, "10.5040/9781350068056.ch-i")
    assert (article.type, article.year, article.issue) == ("journal-article", 1914, "27")


def test_older_dblp_answers_with_titles_and_venues_as_objects():
    records = records_of("dblp", answer("dblp-palm-old-api-objects.json"))
    first, _, corr, quoted, ampersand = records
    assert first.title == "Computer Science Education in North-Rhine Westphalia, Germany - A Case Study"
    assert (first.type, first.venue, first.year) == ("journal-article", "TOCE", 2015)
    assert (corr.type, corr.arxiv_id, corr.venue) == ("preprint", "1401.7735", None)
    assert '"Einstieg in die Computergrafik"' in quoted.title
    assert ampersand.venue == "Educational Technology & Society (ETS)"


# -- what each real answer must give: (title, year, DOI) of every record, in the answer's order ----

EXPECTED: dict[str, list[tuple[str, int | None, str | None]]] = {
    "crossref-papis-article-number.json": [
        ("Toy model for local and deterministic wave-function collapse", 2022, "10.1103/physreva.106.022212")],
    "crossref-papis-book-chapter.json": [
        ("Differentiability with Respect to Initial Data for a Scalar Conservation Law", 1999,
         "10.1007/978-3-0348-8720-5_13")],
    "crossref-papis-multiple-authors.json": [
        ("Particle entanglement in continuum many-body systems via quantum Monte Carlo", 2014,
         "10.1103/physrevb.89.140501")],
    "crossref-habanero-works-sample.json": [
        ("Introduction", 2023, "10.5040/9781350068056.ch-i"),
        ("Proposed Reorganization of the Boston Board of Health", 1914, "10.1056/nejm191412311712712")],
    "crossref-habanero-types-journal-works.json": [
        ("Immunology Case Reports", None, "10.35841/immunology-case-reports"),
        ("Juni Khyat Journal", None, "10.46528/jk")],
    "crossref-habanero-prefix-works.json": [
        ("TMVR With Artificial Cords in the Treatment of Mitral Regurgitation", 2018, "10.1016/j.jacc.2017.11.012")],
    "crossref-habanero-field-queries-jats.json": [
        ("The forecast trap", 2022, "10.1111/ele.14024"),
        ("From noise to knowledge: how randomness generates novel phenomena and reveals information", 2018,
         "10.1111/ele.13085")],
    "crossref-refformatter-spaced-title.json": [
        ("The quantum-confined Stark effect and localization of charge carriers in Al x Ga 1-x N/Al y Ga 1-y N"
         " quantum wells with different morphologies", 2013, "10.1002/pssc.201200953")],
    "crossref-posted-content-reposted-transformer.json": [
        ("Attention Is All You Need", 2025, "10.65215/nxvz2v36")],
    "crossref-findhope-book-editor-only.json": [
        ("Pediatric Palliative Care", 2015, "10.1093/med/9780190244187.001.0001")],
    "crossref-2014-aip-issued-null.json": [("Velocity Dispersions Across Bulge Types", None, "10.1063/1.3458497")],
    "crossref-2014-iop-upper-case-title.json": [
        ("MEASURING DARK MATTER PROFILES NON-PARAMETRICALLY IN DWARF SPHEROIDALS: AN APPLICATION TO DRACO", 2013,
         "10.1088/0004-637x/763/2/91")],
    "dblp-palm-old-api-objects.json": [
        ("Computer Science Education in North-Rhine Westphalia, Germany - A Case Study", 2015, None),
        ("MOOCs - A Review of the State-of-the-Art", 2014, None),
        ("SPRING: speech and pronunciation improvement through games, for Hispanic children", 2014, None),
        ('Informatik und Mathematik - kombiniert im SchülerlaborModul "Einstieg in die Computergrafik"', 2013, None),
        ("Design and Implementation of a Learning Analytics Toolkit for Teachers", 2012, None)],
    "dblp-rust-client-ats-2005.json": [
        ("A Test Cost Reduction Method by Test Response and Test Vector Overlapping for Full-Scan Test"
         " Architecture", 2005, "10.1109/ats.2005.17")],
    "dblp-itmo-notes-basov-apos.json": [
        ("Human Resources Management in Conditions of Operators' Psychophysiological State Changes", 2014,
         "10.1007/978-3-319-11581-8_32"),
        ("A Heart Rate Extraction from the Speech Signal Without a Priori Information About the Speaker", 2020,
         "10.1109/iwcmc48107.2020.9148575"),
        ("Multi-path multimodal authentication system for remote information system", 2019,
         "10.1145/3357613.3357640"),
        ("Multimodal Subscriber Interfaces for Infocommunication Systems", 2017, "10.4149/cai_2017_4_908"),
        ("Multimodal Information Coding System for Wearable Devices of Advanced Uniform", 2016,
         "10.1007/978-3-319-40349-6_52")],
}


def test_every_answer_of_the_corpus_has_its_expectation():
    assert set(EXPECTED) == {row["file"] for row in INDEX}


@pytest.mark.parametrize("row", INDEX, ids=lambda row: row["file"])
def test_each_real_answer_parses_to_its_records(row):
    records = records_of(row["service"], answer(row["file"]))
    assert [(r.title, r.year, r.doi) for r in records] == EXPECTED[row["file"]]


def test_issued_null_takes_no_other_date_as_the_year():
    """Real answers: two journals whose `issued` is [[null]] beside a `created` date (habanero),
    and a 2014 proceedings article with `issued` [[null]] and nothing else dated."""
    journals = records_of("crossref", answer("crossref-habanero-types-journal-works.json"))
    raw = json.loads(answer("crossref-habanero-types-journal-works.json"))["message"]["items"]
    assert [item["issued"] for item in raw] == [{"date-parts": [[None]]}] * 2
    assert [item["created"]["date-parts"][0][0] for item in raw] == [2019, 2020]
    assert [(r.year, r.month) for r in journals] == [(None, None), (None, None)]
    [aip] = records_of("crossref", answer("crossref-2014-aip-issued-null.json"))
    assert (aip.type, aip.year, aip.month, aip.venue) == ("proceedings-article", None, None, None)


def test_a_title_sent_with_spaces_around_it_is_trimmed():
    [record] = records_of("crossref", answer("crossref-refformatter-spaced-title.json"))
    raw = json.loads(answer("crossref-refformatter-spaced-title.json"))["message"]["title"][0]
    assert raw != raw.strip() and record.title == raw.strip()
    assert (record.venue, record.pages, record.volume, record.issue) == ("physica status solidi (c)", "319-322",
                                                                         "10", "3")


def test_jats_markup_and_entities_in_real_abstracts_never_reach_the_record():
    forecast, noise = records_of("crossref", answer("crossref-habanero-field-queries-jats.json"))
    assert forecast.abstract and forecast.abstract.startswith("Encouraged by decision makers\u2019 appetite")
    assert noise.abstract and "(Bj\u00f8rnstad & Grenfell)." in noise.abstract
    for record in (forecast, noise):
        assert record.abstract and "<" not in record.abstract and "&amp;" not in record.abstract
        assert not record.abstract.startswith("Abstract")


def test_article_numbers_and_author_lists_of_real_answers():
    [record] = records_of("crossref", answer("crossref-papis-multiple-authors.json"))
    assert record.pages == "140501" and record.venue == "Physical Review B"
    assert [(a.family, a.given) for a in record.authors] == [
        ("Herdman", "C. M."), ("Roy", "P.-N."), ("Melko", "R. G."), ("Del Maestro", "A.")]
    [dblp] = records_of("dblp", answer("dblp-rust-client-ats-2005.json"))
    assert (dblp.type, dblp.venue, dblp.pages) == ("proceedings-article", "Asian Test Symposium", "366-371")
    assert [a.family for a in dblp.authors] == ["Shinogi", "Yamada", "Hayashi", "Tsuruoka", "Yoshikawa"]


def test_a_reposted_copy_of_a_famous_paper_is_a_preprint_never_a_version_of_record():
    """Real answer: `posted-content` of 2025 holding the 2017 paper's title and authors under a new DOI."""
    [record] = records_of("crossref", answer("crossref-posted-content-reposted-transformer.json"))
    assert (record.type, record.year, record.venue) == ("preprint", 2025, None)
    assert record.type not in PUBLISHED_TYPES
    assert record.abstract and record.abstract.startswith("The dominant sequence transduction models")
    assert [a.family for a in record.authors][:2] == ["Vaswani", "Shazeer"]


def test_an_editor_is_never_taken_for_an_author_and_a_book_is_not_a_version_of_record():
    [book] = records_of("crossref", answer("crossref-findhope-book-editor-only.json"))
    assert json.loads(answer("crossref-findhope-book-editor-only.json"))["message"]["items"][0]["editor"]
    assert book.authors == [] and (book.year, book.month) == (2015, 8)
    assert book.type not in PUBLISHED_TYPES  # Crossref's `book` is kept as misc: rsbib has no book type


def test_a_real_dblp_answer_with_an_entity_a_homonym_number_and_a_journal_issue():
    assert "Operators&apos; Psychophysiological" in answer("dblp-itmo-notes-basov-apos.json")
    apos, _, _, journal, homonym = records_of("dblp", answer("dblp-itmo-notes-basov-apos.json"))
    assert "Operators' Psychophysiological" in apos.title
    assert (journal.type, journal.venue, journal.volume, journal.issue, journal.pages) == (
        "journal-article", "Comput. Informatics", "36", "4", "908-924")
    assert ("Karpov", "Alexey") in [(a.family, a.given) for a in homonym.authors]
    assert ("Zelezný", "Milos") in [(a.family, a.given) for a in homonym.authors]


# arXiv's recorded answers (arxiv.py's fixtures), asked through ArxivSource against the replay:
# (title, year, arxiv id) of the record, or the failure and its reason
ARXIV_EXPECTED: dict[str, tuple[str, int, str] | tuple[type, str]] = {
    "1707.08567": ("Proceedings of Workshop AEW10: Concepts in Information Theory and Communications", 2017,
                   "1707.08567"),
    "2104.12255v1": ("0", 2021, "2104.12255"),          # asked with its version; a title that is a digit
    "astro-ph/0601001": ("Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys"
                         " Toward the Galactic Bulge and Carina", 2006, "astro-ph/0601001"),  # an old-style id
    "0808.05394": (BadAnswer, "no record for this id in its answer"),   # arXiv answered with no entry
    "0000.0000": (BadAnswer, "no record for this id in its answer"),    # totalResults 0
    "abc": (Rejected, "HTTP 400"),                                      # arXiv's 400 for a malformed id
}


def test_every_recorded_arxiv_answer_gives_its_record_or_its_reason():
    recorded = [row.split("\t")[1] for row in (RECORDINGS / "arxiv" / "INDEX.tsv").read_text().splitlines()[1:]]
    groups = [url.split("id_list=")[1].split("&")[0].replace("%2F", "/").split("%2C")
              for url in recorded if "id_list=&" not in url]  # each lookup as it was recorded
    assert {i for group in groups for i in group} == set(ARXIV_EXPECTED)
    with Replay() as replay:
        source = ArxivSource(settings_for(replay.url))
        for group in groups:
            answer = source.lookup(group)
            for arxiv_id in group:
                expected = ARXIV_EXPECTED[arxiv_id]
                if isinstance(expected[0], type):
                    failure = answer.failures[arxiv_id]
                    assert isinstance(failure, expected[0]) and expected[1] in str(failure), (arxiv_id, failure)
                else:
                    record = answer.found[arxiv_id]
                    assert (record.title, record.year, record.arxiv_id) == expected
                    assert_plain(record)


# -- shapes the issue reports from live answers; no recording of them was found (see the note) -------

def test_markup_in_a_crossref_title_never_reaches_the_record():
    record = to_record({"title": ["The genomic sequence of <i>Exiguobacterium</i> chiriqhucha str. N139"
                                  " reveals a species that thrives in <jats:italic>cold</jats:italic> water"],
                        "DOI": "10.1234/x", "type": "journal-article", "issued": {"date-parts": [[2012]]}})
    assert record.title == ("The genomic sequence of Exiguobacterium chiriqhucha str. N139 reveals a "
                            "species that thrives in cold water")
    math = to_record({"title": ["Scaling of <mml:math><mml:mi>x</mml:mi></mml:math> &amp; y"]})
    assert math.title == "Scaling of x & y"



def test_dblp_venue_as_a_list_and_a_corr_inside_it():
    base = {"title": "A Paper.", "authors": {"author": {"text": "Jane Doe 0001"}}, "year": "2020",
            "type": "Conference and Workshop Papers"}
    listed = dblp_record({**base, "venue": ["DAC", "DAC Workshops"]})
    assert listed.venue == "DAC" and listed.type == "proceedings-article"
    corr = dblp_record({**base, "venue": ["CoRR", "Other"], "volume": "abs/2001.00001"})
    assert (corr.type, corr.arxiv_id) == ("preprint", "2001.00001")
    chapter = dblp_record({**base, "venue": "Handbook", "type": "Parts in Books or Collections",
                           "title": {"@ee": "https://doi.org/10.1/x", "text": "An Object Title."}})
    assert (chapter.title, chapter.type) == ("An Object Title", "book-chapter")


def test_an_answer_of_the_wrong_kind_is_refused_with_a_reason():
    work_list = json.loads(answer("crossref-habanero-works-sample.json"))
    with pytest.raises(BadAnswer, match="work-list, not a work"):
        work_of(work_list)
    with pytest.raises(BadAnswer, match="not a work-list"):
        works_of(json.loads(answer("crossref-papis-book-chapter.json")))
    with pytest.raises(BadAnswer):
        parse_answer('{"result": {"status": {"@code": "500"}, "hits": {}}}')


# -- stored and exported: the library holds plain text, the export braces what it must ------------

def test_real_records_are_stored_and_exported_as_plain_text(tmp_path):
    db = tmp_path / "library.db"
    assert run("sync", "--offline", "--db", str(db)).exit_code == 0
    chapter = records_of("crossref", answer("crossref-papis-book-chapter.json"))[0]
    article = records_of("crossref", answer("crossref-papis-article-number.json"))[0]
    marked = to_record({"title": ["The genomic sequence of <i>Exiguobacterium</i> chiriqhucha"],
                        "DOI": "10.1234/boettiger", "type": "journal-article",
                        "issued": {"date-parts": [[2012]]},
                        "author": [{"family": "Boettiger", "given": "Carl"},
                                   {"name": "Paderborn University"}]})
    library = Library(db)
    ids = [r["id"] for r in library.db.query("SELECT id FROM entries ORDER BY line LIMIT 3")]
    run_id = library.runs.start(source="test")
    library.outcomes.save([Outcome(i, "resolved", w, "doi", 100.0)
                           for i, w in zip(ids, (chapter, article, marked))], run_id)
    library.close()
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT title, year, doi, citekey FROM works WHERE doi IN (?, ?, ?)",
                              [chapter.doi, article.doi, marked.doi]).fetchall()
    assert len(stored) == 3
    for title, year, doi, key in stored:
        assert isinstance(title, str) and "<" not in title and isinstance(year, int)
        assert DOI_FORM.match(doi) and re.fullmatch(r"[a-z0-9]+", key)
    assert ("boettiger2012genomic",) in [(k,) for *_, k in stored]
    bib = run("export", "--db", str(db)).stdout
    assert "@incollection{bouchut1999differentiability," in bib
    assert "pages = {022212}" in bib
    assert "{Paderborn University}" in bib and "<i>" not in bib
