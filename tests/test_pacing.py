"""Each service's rules as they stand today: kept by rsbib, enforced by the stand-in, survived when it says no."""

from __future__ import annotations

import sqlite3

import pytest

from rsbib.settings import Settings
from rsbib.sources.arxiv import ArxivSource
from rsbib.sources.base import ALLOWED
from rsbib.sources.client import MARGIN, allowed_by
from rsbib.sources.crossref import CrossrefSource
from rsbib.sources.dblp import DblpSource
from tests.conftest import run
from tests.standin import Fault, StandIn
from tests.standin.rules import Rules

SCALE = 0.25  # every allowed interval a quarter: the rules' shape, in a quarter of the time


def settings_for(standin: StandIn, **changes) -> Settings:
    values = dict(arxiv_url=f"{standin.url}/api/query", crossref_url=standin.url,
                  dblp_url=f"{standin.url}/search/publ/api", mailto="tests@rsbib.invalid",
                  pace_scale=SCALE, timeout=5.0, retries=3, backoff=0.01)
    return Settings(**{**values, **changes})


@pytest.fixture
def ruled():
    with StandIn(rules=Rules(scale=SCALE)) as standin:
        yield standin


def test_one_place_says_what_each_service_allows():
    polite, public = ALLOWED["crossref"], ALLOWED["crossref-public"]
    assert (polite["single"].rate, polite["list"].rate, polite["list"].at_once) == (10, 3, 3)
    assert (public["single"].rate, public["list"].rate, public["list"].at_once) == (5, 1, 1)
    assert ALLOWED["arxiv"]["query"].interval == 3 and ALLOWED["dblp"]["search"].at_once == 1
    # the client starts from that table; no mailto means the public pool
    assert allowed_by("crossref", Settings(mailto=None))["list"].interval == 1.0
    assert allowed_by("crossref", Settings(mailto="a@b.invalid"))["list"].interval == pytest.approx(1 / 3)


def test_the_standin_refuses_a_client_that_sends_too_fast(ruled):
    """The guard works: clients told to send with no delay are answered 429 + Retry-After,
    then slow down and get their answers."""
    arxiv = ArxivSource(settings_for(ruled, arxiv_delay=0.0))
    dblp = DblpSource(settings_for(ruled, dblp_delay=0.0))
    titles = ["SkySense", "SatMAE", "CROMA", "GeRSP"]
    searched = [arxiv.search([t]) for t in titles] + [dblp.search(titles)]
    assert ruled.violations["arxiv"] > 0 and ruled.violations["dblp"] > 0
    assert all(isinstance(a, list) for answers in searched for a in answers.values())
    assert (arxiv.rate_limited, dblp.rate_limited) == (ruled.violations["arxiv"],
                                                       ruled.violations["dblp"])


def test_rsbib_keeps_each_services_rules_for_each_kind(ruled):
    crossref = CrossrefSource(settings_for(ruled))
    titles = ["SkySense", "SatMAE", "CROMA", "GeRSP", "SpectralGPT", "RSGPT", "RingMo", "Scale-MAE"]
    crossref.search(titles)  # list requests, as many at once as allowed
    crossref.lookup(["10.1109/tgrs.2022.3176603", "10.3390/rs15051234"])  # one list + singles
    arxiv = ArxivSource(settings_for(ruled))
    arxiv.search(["SkySense", "SatMAE"])
    arxiv.lookup(["2312.10115", "2207.08051"])
    dblp = DblpSource(settings_for(ruled))
    dblp.search(titles[:4])
    counts = ruled.counts()
    assert counts["crossref"] >= 9 and counts["arxiv"] >= 2 and counts["dblp"] == 4
    assert sum(ruled.violations.values()) == 0, dict(ruled.violations)
    assert ruled.most_in_flight["crossref"] <= ALLOWED["crossref"]["list"].at_once


def test_the_announced_rate_of_one_kind_slows_that_kind_only(ruled):
    source = CrossrefSource(settings_for(ruled, pace_scale=0.01))
    source.search_text("SkySense")  # a list answer announces 3 in 0.1 s
    assert source.throttles["list"].interval == pytest.approx(SCALE / 3 * (1 + MARGIN))
    assert source.throttles["single"].interval == pytest.approx(0.01 / 10 * (1 + MARGIN))


def test_a_429_slows_the_rest_of_the_run_and_is_said_once(api, caplog):
    api.inject(Fault("dblp", "status", times=3, status=429, headers={"Retry-After": "0"}))
    source = DblpSource(settings_for(api, dblp_delay=0.02))
    with caplog.at_level("WARNING", logger="rsbib.sources"):
        answers = source.search(["SkySense", "SatMAE", "CROMA"])
    assert all(isinstance(a, list) for a in answers.values())
    assert source.rate_limited == 3
    assert source.throttles["search"].interval > 0.02  # slower for the rest of the run
    said = [r.getMessage() for r in caplog.records if "slow down" in r.getMessage()]
    assert said == ["DBLP asked rsbib to slow down (Retry-After 0 s): its requests go slower "
                    "for the rest of this run"]


def _works(db) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT citekey, title, doi, arxiv_id, year, venue, type FROM works "
                            "ORDER BY citekey").fetchall()


def _statuses(db) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT line, status, work_id IS NOT NULL FROM entries "
                            "ORDER BY line").fetchall()


def test_a_sync_survives_dblp_refusing_every_third_request(api, synced_db, tmp_path):
    """DBLP answers 429 + Retry-After to every third request: the sync finishes, loses nothing,
    and says once that DBLP asked it to slow down."""
    api.inject(Fault("dblp", "status", times=1000, every=3, status=429,
                     headers={"Retry-After": "1"}, body=""))
    db = tmp_path / "library.db"
    result = run("sync", "--db", str(db))
    assert result.exit_code == 0, result.stderr
    refused = sum(1 for f in api.faults if f.service == "dblp") and 1000 - api.faults[0].times
    assert refused >= 5  # the rule was really applied, many times
    assert result.stderr.count("DBLP asked rsbib to slow down") == 1
    assert _statuses(db) == _statuses(synced_db)
    assert _works(db) == _works(synced_db)
