"""DBLP, the third source: its answers read, its rules kept, asked only what the others left open."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from rsbib.settings import Settings
from rsbib.sources.base import BadAnswer, RateLimited, SourceFailure, Transient
from rsbib.sources.dblp import DblpSource, canonical_venue, parse_answer, person
from tests.conftest import ROOT, run
from tests.standin import Fault

SAMPLES = Path(__file__).parent / "data" / "dblp"
SNAPSHOT = Path(__file__).parent / "standin" / "snapshot.jsonl"
PAPERS = [json.loads(line) for line in SNAPSHOT.read_text("utf-8").splitlines()]
IAI_SIMCLR = "Multi-Modal Multi-Objective Contrastive Learning for Sentinel-1/2 Imagery"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text("utf-8")


# -- reading DBLP's answers (the samples of its format) --------------------------------------


def test_a_published_paper_and_its_corr_twin():
    published, preprint = parse_answer(sample("search-conference-and-corr.json"))
    assert published.title == "GeoChat: Grounded Large Vision-Language Model for Remote Sensing"
    assert (published.type, published.venue, published.year, published.pages) == (
        "proceedings-article", "IEEE/CVF Conference on Computer Vision and Pattern Recognition",
        2024, "27831-27840")
    assert published.venue_source == "dblp" and published.doi is None and published.url is None
    # disambiguation numbers dropped ("Salman Khan 0001", "Abhijit Das 0002")
    assert [a.name for a in published.authors][3:5] == ["Das, Abhijit", "Khan, Salman"]
    assert (preprint.type, preprint.arxiv_id, preprint.venue) == ("preprint", "2311.15826", None)


def test_one_author_as_an_object_and_ee_as_a_list():
    [record] = parse_answer(sample("search-journal-single-author-shape.json"))
    assert [a.name for a in record.authors] == ["Example, Jane"]
    assert record.title == "An Example Journal Article With One Author"
    assert (record.venue, record.volume, record.doi) == (
        "IEEE Transactions on Geoscience and Remote Sensing", "62", "10.5555/example.2024.0001")
    assert "dblp.org" not in (record.url or "")


def test_no_hits_and_answers_that_are_not_dblps():
    assert parse_answer(sample("search-no-hits.json")) == []
    for body in ("", "<html><body>Bad Gateway</body></html>", '{"result": {"status": {}}}',
                 sample("search-no-hits.json")[:40]):
        with pytest.raises(BadAnswer):
            parse_answer(body)


def test_corr_id_from_the_datacite_doi_when_volume_lacks_it():
    body = json.loads(sample("search-conference-and-corr.json"))
    info = body["result"]["hits"]["hit"][1]["info"]
    info.pop("volume")
    [_, preprint] = parse_answer(json.dumps(body))
    assert preprint.arxiv_id == "2311.15826"


def test_venue_names_are_canonical_and_unknown_ones_pass_through():
    assert canonical_venue("IEEE Trans. Geosci. Remote. Sens.") == \
        "IEEE Transactions on Geoscience and Remote Sensing"
    assert canonical_venue("CVPR Workshops") == \
        "IEEE/CVF Conference on Computer Vision and Pattern Recognition Workshops"
    assert canonical_venue("ECCV (12)") == "European Conference on Computer Vision"
    assert canonical_venue("Remote. Sens.") == "Remote Sensing"
    assert canonical_venue("Some Workshop 2031") == "Some Workshop 2031"


def test_names_drop_the_number_and_keep_particles():
    assert person("Wei Zhang 0001").name == "Zhang, Wei"
    assert person("Bertrand Le Saux").name == "Le Saux, Bertrand"


# -- DBLP's rules, against the stand-in ---------------------------------------------------------


def source(api, **changes) -> DblpSource:
    settings = Settings(dblp_url=api.env["RSBIB_DBLP_URL"], dblp_delay=0.0, timeout=1.0,
                        retries=2, backoff=0.01)
    for key, value in changes.items():
        settings = settings.__class__(**{**settings.__dict__, key: value})
    return DblpSource(settings)


GEOCHAT = "GeoChat: Grounded Large Vision-Language Model for Remote Sensing"


@pytest.mark.parametrize("fault", [
    Fault("dblp", "status", status=500), Fault("dblp", "status", status=503),
    Fault("dblp", "malformed"), Fault("dblp", "empty"), Fault("dblp", "truncate"),
    Fault("dblp", "slow", seconds=1.5), Fault("dblp", "drop")], ids=lambda f: f"{f.kind}-{f.status}")
def test_passing_faults_are_retried(api, fault):
    api.inject(fault)
    dblp = source(api)
    answer = dblp.search([GEOCHAT])[GEOCHAT]
    assert not isinstance(answer, SourceFailure), answer
    assert {r.type for r in answer} == {"proceedings-article", "preprint"}
    assert dblp.requests >= 1 and api.counts()["dblp"] == 2


def test_429_with_an_empty_body_waits_for_retry_after(api):
    api.inject(Fault("dblp", "status", status=429, headers={"Retry-After": "1"}))
    dblp = source(api)
    started = time.monotonic()
    answer = dblp.search([GEOCHAT])[GEOCHAT]
    assert isinstance(answer, list) and answer
    arrivals = [h.at for h in api.hits if h.service == "dblp"]
    assert len(arrivals) == 2 and arrivals[1] - arrivals[0] >= 0.95
    assert time.monotonic() - started < 5


def test_a_lasting_fault_is_a_typed_failure(api):
    api.inject(Fault("dblp", "status", status=502, times=9),
               Fault("dblp", "status", status=429, times=9, path_contains="Sentinel",
                     headers={"Retry-After": "0"}))
    dblp = source(api)
    answers = dblp.search([GEOCHAT, IAI_SIMCLR])
    assert isinstance(answers[GEOCHAT], Transient)
    assert isinstance(answers[IAI_SIMCLR], (Transient, RateLimited))
    assert dblp.failures == 2 and api.counts()["dblp"] == 6  # three attempts each


def test_one_request_at_a_time_at_dblps_pace(api):
    dblp = source(api, dblp_delay=0.3)
    titles = [p["title"] for p in PAPERS if p["dblp_venue"]][:4]
    dblp.search(titles)
    arrivals = [h.at for h in api.hits if h.service == "dblp"]
    assert len(arrivals) == 4 and api.most_in_flight["dblp"] == 1
    assert min(b - a for a, b in zip(arrivals, arrivals[1:])) >= 0.3 * 0.95
    assert all("c=0" in h.path and "format=json" in h.path for h in api.hits)


# -- what a sync asks DBLP and what it keeps -------------------------------------------------------


def works(db) -> dict[str, dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    return {r["arxiv_id"] or r["title"]: dict(r) for r in conn.execute("SELECT * FROM works")}


@pytest.mark.parametrize("key, venue, year, pages", [
    ("2306.03831", "Advances in Neural Information Processing Systems", 2023, None),
    ("2306.09424", "Advances in Neural Information Processing Systems", 2023, None),
    ("2312.03606", "International Conference on Learning Representations", 2024, None),
    ("2312.06960", "International Conference on Learning Representations", 2024, None),
    ("2311.15826", "IEEE/CVF Conference on Computer Vision and Pattern Recognition", 2024,
     "27831-27840"),
    ("2303.06670", "IEEE/CVF Conference on Computer Vision and Pattern Recognition Workshops", 2024,
     "2443-2453"),
    ("2305.01118", "International Conference on Machine Learning", 2023, "23498-23515"),
    ("2307.15266", "ISPRS Journal of Photogrammetry and Remote Sensing", 2025, "272-286"),
    (IAI_SIMCLR, "IEEE/CVF Conference on Computer Vision and Pattern Recognition Workshops", 2023,
     "2135-2143"),
])
def test_versions_of_record_from_dblp(synced_db, key, venue, year, pages):
    work = works(synced_db)[key]
    assert (work["venue"], work["year"], work["venue_source"]) == (venue, year, "dblp")
    assert work["type"] in ("proceedings-article", "journal-article")
    if pages:
        assert work["pages"] == pages


def test_iai_simclr_resolves_with_its_authors(synced_db):
    conn = sqlite3.connect(synced_db)
    [(status, method)] = conn.execute("SELECT status, method FROM entries WHERE line = 34")
    assert (status, method) == ("resolved", "dblp-title")
    names = [n for (n,) in conn.execute(
        "SELECT a.name FROM works w JOIN work_authors wa ON wa.work_id = w.id "
        "JOIN authors a ON a.id = wa.author_id WHERE w.title = ? ORDER BY wa.position",
        [IAI_SIMCLR])]
    assert names == ["Prexl, Jonathan", "Schmitt, Michael"]


def test_nothing_of_dblps_own_is_stored_as_metadata(synced_db):
    conn = sqlite3.connect(synced_db)
    for column in ("url", "doi", "venue", "title", "arxiv_id", "pages", "volume"):
        leaked = conn.execute(f"SELECT count(*) FROM works WHERE {column} LIKE '%placeholder%' "
                              f"OR {column} LIKE '%dblp.org%' OR {column} LIKE '%example.invalid%' "
                              f"OR {column} LIKE '%CoRR%'").fetchone()[0]
        assert leaked == 0, column
    kept = conn.execute("SELECT count(*) FROM responses WHERE service = 'dblp' AND status = 200 "
                        "AND body LIKE '{\"result\"%'").fetchone()[0]
    assert kept >= 1  # the raw answers are kept like the others'


def test_every_paper_with_a_preprint_carries_its_eprint(synced_db):
    held = {a for (a,) in sqlite3.connect(synced_db).execute("SELECT arxiv_id FROM works")}
    with_preprint = {p["arxiv_id"] for p in PAPERS if p["arxiv_id"]}
    assert len(with_preprint) == 67 and with_preprint <= held


def test_dblp_is_asked_only_for_works_without_a_version_of_record(api, tmp_path):
    db = tmp_path / "cold.db"
    assert run("sync", "--db", str(db)).exit_code == 0
    conn = sqlite3.connect(db)
    asked = [h.path for h in api.hits if h.service == "dblp"]
    from_crossref = conn.execute("SELECT count(*) FROM works WHERE venue_source = 'crossref'")
    no_record = conn.execute(
        "SELECT count(*) FROM works WHERE venue_source != 'crossref'").fetchone()[0]
    unresolved = conn.execute("SELECT count(DISTINCT lower(title)) FROM entries "
                              "WHERE status = 'unresolved'").fetchone()[0]
    assert from_crossref.fetchone()[0] > 0
    # IaI-SimCLR was an unresolved row; it is a work now and counted once
    assert 0 < len(asked) <= no_record + unresolved
    crossref_titles = [t for (t,) in conn.execute(
        "SELECT title FROM works WHERE venue_source = 'crossref'")]
    from urllib.parse import parse_qs, urlsplit
    questions = {parse_qs(urlsplit(p).query)["q"][0].lower() for p in asked}
    from rsbib.sources.dblp import query_words
    assert not questions & {query_words(t).lower() for t in crossref_titles}
    figures = conn.execute("SELECT requests, failures FROM run_services "
                           "WHERE service = 'dblp'").fetchone()
    assert figures == (len(asked), 0)


def test_check_reports_stale_venues_from_dblp():
    result = run("check", "--db", str(ROOT / "library.db"), "--format", "json")
    found = {(f["line"], f["suggested"]) for f in json.loads(result.stdout)
             if f["kind"] == "stale-venue"}
    for line, label in [(102, "NeurIPS2023"), (68, "CVPR2024"), (79, "ICLR2024"),
                        (39, "CVPRW2024"), (66, "ISPRS2025"), (57, "IGARSS2024")]:
        assert (line, label) in found


def test_a_corr_twin_ties_a_row_to_its_arxiv_record(tmp_path, monkeypatch):
    """arXiv's search misses the paper (its arXiv title differs); DBLP's CoRR twin gives the id."""
    from tests.conftest import TEST_ENV
    from tests.standin import Corpus, StandIn

    corpus = Corpus.from_snapshot(distractors=False)
    corpus.arxiv["2311.15826"].title = "An Earlier Working Title Nobody Searches For"
    source = tmp_path / "one.md"
    source.write_text("# A list\n\n## Papers\n\n|Abbreviation|Title|Publication|Paper|Code|\n"
                      f"|---|---|---|---|---|\n|**GeoChat**|**{GEOCHAT}**|CVPR2024|"
                      "[Paper](https://openaccess.thecvf.com/content/CVPR2024/html/x.html)|null|\n",
                      "utf-8")
    with StandIn(corpus=corpus, rate_limit=1000) as standin:
        for name, value in {**standin.env, **TEST_ENV}.items():
            monkeypatch.setenv(name, value)
        db = tmp_path / "one.db"
        assert run("sync", "--source", str(source), "--db", str(db)).exit_code == 0
        conn = sqlite3.connect(db)
        [(method, arxiv_id, arxiv_title, venue_source)] = conn.execute(
            "SELECT e.method, w.arxiv_id, w.arxiv_title, w.venue_source FROM entries e "
            "JOIN works w ON w.id = e.work_id")
        assert method == "dblp-title" and arxiv_id == "2311.15826" and venue_source == "dblp"
        assert arxiv_title == "An Earlier Working Title Nobody Searches For"  # arXiv's own record
        assert [h for h in standin.hits if h.service == "arxiv" and "id_list=2311.15826" in h.path]
