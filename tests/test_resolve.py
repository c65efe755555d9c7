"""Every row of the embedded list resolves to its own paper, and never to another one.

EXPECTED was worked out by hand from the list (titles, links, labels) and the
snapshot of public records: for each row's line, the paper it cites, named by
its arXiv id or DOI in the snapshot (its title where it has neither: IaI-SimCLR,
which DBLP alone holds), or the status the row must end with.
"""

import gzip
import json
import math
import socket
import sqlite3
import time
from pathlib import Path

import pytest

from rsbib.metadata.records import Author, WorkRecord
from rsbib.sources import wiring
from rsbib.sources.base import Lookup
from rsbib.store.library import SCHEMA_VERSION
from tests.conftest import run
from tests.standin import Fault

SNAPSHOT = Path(__file__).parent / "standin" / "snapshot.jsonl"
PAPERS = [json.loads(line) for line in SNAPSHOT.read_text("utf-8").splitlines()]

IAI_SIMCLR = "Multi-Modal Multi-Objective Contrastive Learning for Sentinel-1/2 Imagery"
EXPECTED = {
    # Remote Sensing Vision Foundation Models
    16: "10.1109/tgrs.2021.3115569", 17: "2104.07070", 18: "2011.09980",
    19: "10.1109/iccv48922.2021.00928", 20: "2204.05381", 21: "2207.08051",
    22: "10.1109/jstars.2022.3204888", 23: "unresolved", 24: "10.1109/tgrs.2022.3194732",
    25: "10.1109/tgrs.2022.3222818", 26: "10.1109/tgrs.2022.3176603", 27: "2112.01715",
    28: "10.3390/rs14225675", 29: "10.1109/cvprw56347.2022.00148", 30: "2304.05215",
    31: "10.1109/jstars.2023.3271312", 32: "10.1109/tgrs.2023.3268232", 33: "unresolved",
    34: IAI_SIMCLR, 35: "10.1109/cvpr52729.2023.00509", 36: "2211.15660", 37: "2302.04476",
    38: "2212.14532", 39: "2303.06670", 40: "2311.00566", 41: "2401.15855", 42: "2309.05300",
    43: "2304.14065", 44: "2310.00022", 45: "unresolved", 46: "2310.18653", 47: "2310.18660",
    48: "2309.09003", 49: "unresolved", 50: "2309.07207", 51: "2312.02199", 52: "2312.10114",
    53: "2312.16385", 54: "2311.15153", 55: "2401.04614", 56: "2401.05093", 57: "2401.07527",
    58: "unresolved", 59: "2311.07113", 60: "2312.10115",
    # Vision-Language
    66: "2307.15266", 67: "2306.11029", 68: "2311.15826", 69: "2312.06960", 70: "2311.14656",
    71: "2401.09083", 72: "2401.09712", 73: "2401.16822",
    # Generative
    79: "2312.03606", 80: "not-a-paper", 81: "2308.16648",
    # Vision-Location, Vision-Audio
    88: "2305.01118", 89: "2309.16020", 90: "2311.17179", 96: "2108.00688",
    # Benchmarks
    101: "2305.13456", 102: "2306.03831", 103: "2312.10115", 104: "2312.10114", 105: "2401.04464",
    # Pre-training datasets
    112: "10.1109/cvpr.2018.00646", 113: "1906.07789", 114: "10.1109/mgrs.2021.3089174",
    115: "10.1109/jstars.2021.3070368", 116: "10.1109/iccv48922.2021.00928", 117: "2207.08051",
    118: "10.1109/jstars.2023.3271312", 119: "2211.07044", 120: "2306.09424", 121: "2211.15660",
    122: "10.1109/cvpr52729.2023.00509", 123: "10.1109/tgrs.2023.3250471", 124: "2306.11300",
    125: "2306.03831", 126: "2307.15266", 127: "2312.12856", 128: "2402.11325",
    # Survey papers
    135: "10.1109/tgrs.2023.3276853", 136: "2305.05726", 137: "2304.13009",
    138: "10.13203/j.whugis20230341", 139: "unresolved", 140: "10.1109/jstars.2023.3316302",
    141: "2305.13456", 142: "10.1109/igarss52108.2023.10282966", 143: "10.1016/j.rse.2023.113924",
    144: "10.11834/jrs.20233313", 145: "2312.17016",
}


def paper(key: str) -> dict:
    [found] = [p for p in PAPERS if key in (p["arxiv_id"], p["doi"], p["title"])]
    return found


def rows(db: Path) -> dict[int, dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    return {r["line"]: dict(r) for r in conn.execute(
        "SELECT e.line, e.status, e.note, w.id AS work, w.doi, w.arxiv_id, w.citekey, w.title "
        "FROM entries e LEFT JOIN works w ON w.id = e.work_id")}


def test_expected_table_covers_every_row(synced_db):
    assert sorted(rows(synced_db)) == sorted(EXPECTED)


@pytest.mark.parametrize("line", sorted(EXPECTED))
def test_row_resolves_to_its_paper_and_no_other(synced_db, line):
    row = rows(synced_db)[line]
    expected = EXPECTED[line]
    if expected in ("unresolved", "not-a-paper"):
        assert row["status"] == expected and row["work"] is None, row
        assert row["note"], "an unresolved row says why"
        return
    truth = paper(expected)
    assert row["status"] == "resolved", row
    # The work carries at least one of the paper's identifiers and contradicts none.
    assert row["doi"] in (None, truth["doi"]) and row["arxiv_id"] in (None, truth["arxiv_id"]), row
    assert expected in (row["doi"], row["arxiv_id"], row["title"]), row


def test_preprints_are_joined_with_their_published_version(synced_db):
    by_line = rows(synced_db)
    remoteclip = by_line[67]
    assert (remoteclip["arxiv_id"], remoteclip["doi"]) == ("2306.11029", "10.1109/tgrs.2024.3390838")
    # Papers renamed since the list was written resolve through their ids.
    assert by_line[52]["doi"] == "10.1609/aaai.v39i27.35002"  # FoMo-Bench -> FoMo (AAAI 2025)
    assert by_line[59]["title"] == "SpectralGPT: Spectral Remote Sensing Foundation Model"
    for arxiv_id, doi in [("2312.10115", "10.1109/cvpr52733.2024.02613"),
                          ("2311.17179", "10.1609/aaai.v39i4.32457"),
                          ("2310.18653", "10.1109/jstars.2024.3493237")]:
        [work] = {(r["arxiv_id"], r["doi"]) for r in by_line.values() if r["arxiv_id"] == arxiv_id}
        assert work == (arxiv_id, doi)


@pytest.mark.parametrize("lines", [(60, 103), (102, 125), (19, 116), (21, 117), (52, 104),
                                   (31, 118), (35, 122), (36, 121), (66, 126), (101, 141)])
def test_rows_citing_the_same_paper_point_at_one_work(synced_db, lines):
    by_line = rows(synced_db)
    assert len({by_line[n]["work"] for n in lines}) == 1
    assert by_line[lines[0]]["work"] is not None


def test_works_are_the_distinct_papers(synced_db):
    conn = sqlite3.connect(synced_db)
    works = conn.execute("SELECT count(*) FROM works").fetchone()[0]
    papers = {v for v in EXPECTED.values() if v not in ("unresolved", "not-a-paper")}
    assert works == len(papers) == len(PAPERS)


def test_versions_of_record_without_a_doi_come_from_dblp(synced_db):
    conn = sqlite3.connect(synced_db)
    satmae = conn.execute("SELECT venue, year, type, venue_source, pages FROM works "
                          "WHERE arxiv_id = '2207.08051'").fetchone()
    assert satmae[:4] == ("Advances in Neural Information Processing Systems", 2022,
                          "proceedings-article", "dblp")
    bfm = conn.execute("SELECT type, venue_source FROM works WHERE arxiv_id = '2304.05215'").fetchone()
    assert bfm == ("preprint", "arxiv")  # listed as Arxiv2023: stays a preprint
    # Listed as NeurIPSW2023, but DBLP holds no version of record: the label alone does not make one.
    scotland = conn.execute("SELECT type, venue FROM works WHERE arxiv_id = '2308.16648'").fetchone()
    assert scotland == ("preprint", None)
    preprints = {a for (a,) in conn.execute("SELECT arxiv_id FROM works WHERE type = 'preprint'")}
    assert preprints == {p["arxiv_id"] for p in PAPERS if p["type"] == "preprint"}
    assert not conn.execute("SELECT count(*) FROM works WHERE venue LIKE '%CoRR%'").fetchone()[0]


def test_decisions_are_recorded_with_method_score_and_reason(synced_db):
    conn = sqlite3.connect(synced_db)
    method, score = conn.execute("SELECT method, score FROM entries WHERE line = 16").fetchone()
    assert method == "crossref-title+arxiv-title" and score == 100.0
    note, candidates = conn.execute("SELECT note, candidates FROM entries WHERE line = 23").fetchone()
    assert "no candidate close enough" in note
    assert json.loads(candidates), "an unresolved row keeps the candidates it rejected"


def test_cold_sync_batches_requests(api, tmp_path):
    db = tmp_path / "cold.db"
    assert run("sync", "--db", str(db)).exit_code == 0
    arxiv_hits = [h.path for h in api.hits if h.service == "arxiv"]
    id_requests = [p for p in arxiv_hits if "id_list=&" not in p and "id_list=" in p]
    listed_ids = 47  # distinct arXiv ids in the list's links
    assert len(id_requests) == math.ceil(listed_ids / 100) == 1
    assert "max_results=47" in id_requests[0]
    title_requests = [p for p in arxiv_hits if p not in id_requests]
    # 32 rows searched by title and the 3 found by DOI (their preprints asked by the record's title)
    assert len(title_requests) == math.ceil(35 / 20) == 2, "title searches go twenty to a request"
    [doi_request] = [h.path for h in api.hits if "filter=doi" in h.path]
    for doi in ("10.3390%2Frs14225675", "10.13203%2Fj.whugis20230341", "10.11834%2Fjrs.20233313"):
        assert f"doi%3A{doi}" in doi_request  # the list's three DOIs in one request


def test_second_sync_and_offline_send_nothing(api, library_copy, tmp_path):
    result = run("sync", "--db", str(library_copy))
    assert result.exit_code == 0 and api.counts() == {}
    fresh = tmp_path / "fresh.db"
    result = run("sync", "--offline", "--db", str(fresh))
    assert result.exit_code == 0 and api.counts() == {}
    assert "93 rows were not looked up" in result.stderr


def test_refresh_asks_again(api, library_copy):
    result = run("sync", "--refresh", "--db", str(library_copy))
    assert result.exit_code == 0
    assert api.counts()["arxiv"] >= 1 and api.counts()["crossref"] >= 1


def test_every_raw_answer_is_kept_with_its_request(synced_db):
    conn = sqlite3.connect(synced_db)
    services = dict(conn.execute("SELECT service, count(*) FROM responses GROUP BY service"))
    assert services["arxiv"] >= 1 and services["crossref"] >= 1
    url, status, body, fetched = conn.execute(
        "SELECT url, status, body, fetched_at FROM responses WHERE service = 'arxiv' "
        "ORDER BY id LIMIT 1").fetchone()
    assert "id_list=" in url and status == 200 and "<feed" in body and fetched


# -- the sources as a plan: a third source, failures by type, an unreachable service ----------

GECO = "Geographical Supervision Correction for Remote Sensing Representation Learning"  # line 23


class ToySource:
    """A third source in a few lines: it holds one paper no other source knows."""

    name, kind, id_kind, url, pacing = "toy", "record", None, "toy:", "as fast as you like"

    def __init__(self) -> None:
        self.requests = self.failures = 0
        self.asked: list[str] = []

    def lookup(self, ids):
        return Lookup()

    def search(self, texts):
        self.requests += 1
        self.asked += texts
        paper = WorkRecord(title=GECO, authors=[Author("Toy", "Ann")], year=2022,
                           type="journal-article", venue="Toy Transactions", doi="10.5555/toy.1")
        return {t: [paper] if t == GECO else [] for t in texts}


def test_a_third_source_joins_through_the_wiring_alone(api, tmp_path, monkeypatch, synced_db):
    toy = ToySource()
    monkeypatch.setattr(wiring, "WIRING", [*wiring.WIRING, wiring.Wiring(
        lambda settings, recorder=None, on_unreachable=None: toy, title_search=3)])
    db = tmp_path / "three.db"
    assert run("sync", "--db", str(db)).exit_code == 0
    after, before = rows(db), rows(synced_db)
    assert after[23]["status"] == "resolved" and after[23]["doi"] == "10.5555/toy.1"
    method = sqlite3.connect(db).execute("SELECT method FROM entries WHERE line = 23").fetchone()
    assert method == ("toy-title",)
    # asked last, and only for the rows that arXiv and Crossref left without a version of record
    without_record = {title for title, doi in sqlite3.connect(synced_db).execute(
        "SELECT e.title, w.doi FROM entries e LEFT JOIN works w ON w.id = e.work_id "
        "WHERE e.status = 'unresolved' OR (e.status = 'resolved' AND w.doi IS NULL)")}
    assert GECO in toy.asked and set(toy.asked) <= without_record
    assert {line: r["doi"] for line, r in after.items() if line != 23} == \
        {line: r["doi"] for line, r in before.items() if line != 23}
    figures = sqlite3.connect(db).execute(
        "SELECT service, url, requests, failures FROM run_services ORDER BY service").fetchall()
    assert [f[0] for f in figures] == ["arxiv", "crossref", "dblp", "toy"]
    assert figures[3] == ("toy", "toy:", toy.requests, 0) and toy.requests >= 1


def test_a_doi_rejected_with_404_in_its_text_fails_and_is_not_searched_by_title(api, tmp_path):
    source = tmp_path / "one.md"
    source.write_text("# A list\n\n## Papers\n\n|Abbreviation|Title|Publication|Paper|Code|\n"
                      "|---|---|---|---|---|\n|**X**|**A paper with a DOI that holds 404**|TGRS2022|"
                      "[X](https://doi.org/10.1109/tgrs.2021.3140404)|null|\n", "utf-8")
    body = ('{"status":"failed","message-type":"validation-failure","message":[{"type":"x",'
            '"message":"doi 10.1109/tgrs.2021.3140404: HTTP 404 lookalike"}]}')
    api.inject(Fault("crossref", "status", times=99, status=400, body=body))
    db = tmp_path / "one.db"
    result = run("sync", "--source", str(source), "--db", str(db))
    assert result.exit_code == 1
    status, note = sqlite3.connect(db).execute("SELECT status, note FROM entries").fetchone()
    assert status == "failed" and "HTTP 400" in note and "no record" not in note
    assert not [h for h in api.hits if "query.bibliographic" in h.path or "search_query" in h.path]


def test_an_unreachable_service_is_given_up_within_seconds(api, tmp_path, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    monkeypatch.setenv("RSBIB_CROSSREF_URL", f"http://127.0.0.1:{closed}")
    monkeypatch.setenv("RSBIB_RETRIES", "4")
    monkeypatch.setenv("RSBIB_BACKOFF", "2")
    db = tmp_path / "down.db"
    started = time.monotonic()
    result = run("sync", "--db", str(db))
    assert time.monotonic() - started < 15
    assert result.exit_code == 1
    assert result.stderr.count("not asking crossref again this run") == 1
    conn = sqlite3.connect(db)
    doi_row = conn.execute("SELECT status, note FROM entries WHERE line = 28").fetchone()
    assert doi_row[0] == "failed" and "crossref unreachable" in doi_row[1]
    # the root of the failure, not the client's wrapper text (pool, URL, retry count)
    assert "Connection refused" in doi_row[1] and "127.0.0.1" not in doi_row[1], doi_row[1]
    assert api.counts()["arxiv"] >= 1  # arXiv, which answers, is still asked
    [(requests, failures)] = conn.execute(
        "SELECT requests, failures FROM run_services WHERE service = 'crossref'").fetchall()
    assert requests == 0 and failures >= 1


def test_a_schema_2_library_is_migrated_with_its_run_figures(tmp_path):
    db = tmp_path / "old.db"
    db.write_bytes(gzip.decompress((Path(__file__).parent / "data" / "library-schema2.db.gz")
                                   .read_bytes()))
    old = sqlite3.connect(db)
    assert old.execute("PRAGMA user_version").fetchone() == (2,)
    [before] = old.execute("SELECT id, arxiv_url, crossref_url, requests_arxiv, requests_crossref "
                           "FROM sync_runs").fetchall()
    old.close()
    assert run("sync", "--offline", "--db", str(db)).exit_code == 0
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    figures = conn.execute("SELECT run_id, service, url, requests FROM run_services "
                           "WHERE run_id = ? ORDER BY service", [before[0]]).fetchall()
    assert figures == [(before[0], "arxiv", before[1], before[3]),
                       (before[0], "crossref", before[2], before[4])]
    assert not {"arxiv_url", "requests_arxiv"} & {r[1] for r in conn.execute(
        "PRAGMA table_info(sync_runs)")}
    assert conn.execute("SELECT count(*) FROM entries WHERE status = 'resolved'").fetchone()[0] == 85
    assert run("status", "--db", str(db)).exit_code == 0
