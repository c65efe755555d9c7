"""The API clients: recorded answers, the stand-in's shape, politeness, faults as typed failures."""

import json
import logging
import socket
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timezone
from email.utils import formatdate
from importlib.metadata import version

import pytest

from rsbib.settings import Settings
from rsbib.sources.arxiv import ArxivSource, QuietArxivWarnings
from rsbib.sources.base import BadAnswer, NotFound, RateLimited, Rejected, Source, Transient, Unreachable
from rsbib.sources.crossref import CrossrefSource, to_record
from rsbib.sources.polite import by_status, retry_after_seconds
from tests.standin import Fault, StandIn
from tests.standin.replay import RECORDINGS, Replay, arxiv_recordings, crossref_recordings

ATOM = "{http://www.w3.org/2005/Atom}"


def settings_for(url: str, **changes) -> Settings:
    values = dict(arxiv_url=f"{url}/api/query", crossref_url=url, mailto="tests@rsbib.invalid",
                  arxiv_delay=0.0, crossref_rate=1000.0, timeout=2.0, retries=2, backoff=0.01)
    return Settings(**{**values, **changes})


@pytest.fixture
def stand(api):
    return api, settings_for(api.url)


# -- real recordings through rsbib's own parsing ------------------------------------------


def test_recorded_arxiv_answers_parse():
    with Replay() as replay:
        source = ArxivSource(settings_for(replay.url))
        answer = source.lookup(["0808.05394", "1707.08567"])
        found, failures = answer.found, answer.failures
        found.update(source.lookup(["astro-ph/0601001"]).found)
        assert set(found) == {"1707.08567", "astro-ph/0601001"}
        workshop = found["1707.08567"]
        assert workshop.title.startswith("Proceedings of Workshop AEW10")
        # arXiv writes the whole name "Kees A. Schouhamer Immink": his family name follows the initial
        assert len(workshop.authors) == 34 and workshop.authors[0].family == "Schouhamer Immink"
        assert (workshop.arxiv_year, workshop.primary_class) == (2017, "cs.IT")
        assert found["astro-ph/0601001"].journal_ref == "ActaAstron.56:1-50,2006"
        assert set(failures) == {"0808.05394"} and isinstance(failures["0808.05394"], BadAnswer)
        failures = source.lookup(["abc"]).failures
        assert isinstance(failures["abc"], Rejected) and "HTTP 400" in str(failures["abc"])


def test_recorded_crossref_answers_parse():
    with Replay() as replay:
        source = CrossrefSource(settings_for(replay.url))
        answer = source.lookup(["10.1371/journal.pone.0033693", "10.1371/notarealdoi"])
    found, failures = answer.found, answer.failures
    work = found["10.1371/journal.pone.0033693"]
    assert work.title.startswith("Methylphenidate Exposure Induces Dopamine Neuron Loss")
    assert (work.year, work.volume, work.issue, work.pages, work.type) == (
        2012, "7", "3", "e33693", "journal-article")
    assert work.venue == "PLoS ONE" and work.authors[0].family == "Sadasivan"
    assert isinstance(failures["10.1371/notarealdoi"], NotFound)
    items = crossref_recordings()["/works?query=ecology&rows=2"]["body"]["message"]["items"]
    assert [to_record(i).doi for i in items] == [i["DOI"].lower() for i in items]


def test_standin_answers_have_the_recorded_shape(stand):
    standin, _ = stand
    recorded = ET.fromstring(arxiv_recordings()["astro-ph/0601001"][1])
    status, body = standin.arxiv_answer({"id_list": "2312.10115", "max_results": "1"})
    ours = ET.fromstring(body)
    assert status == 200 and ours.tag == recorded.tag
    assert [c.tag for c in ours if c.tag != ATOM + "entry"] == \
        [c.tag for c in recorded if c.tag != ATOM + "entry"]
    recorded_entry_tags = {c.tag for c in recorded.iter(ATOM + "entry").__next__()}
    recorded_entry_tags.add("{http://arxiv.org/schemas/atom}doi")  # present where authors add it
    assert {c.tag for c in ours.find(ATOM + "entry")} <= recorded_entry_tags
    work = json.loads(standin.crossref_answer("/works/10.1109/tgrs.2024.3390838", {})[1])
    one = json.loads((RECORDINGS / "crossref" / "works-one-doi.json").read_text())["body"]
    assert set(work) == set(one) and work["message-type"] == one["message-type"]
    assert set(work["message"]) <= set(one["message"]) | {"score"}
    listed = json.loads(standin.crossref_answer("/works", {"query.bibliographic": "SkySense"})[1])
    query = json.loads((RECORDINGS / "crossref" / "works-query.json").read_text())["body"]
    assert set(listed["message"]) == set(query["message"])


# -- politeness -------------------------------------------------------------------------


def test_arxiv_batches_of_100_with_max_results_equal_to_the_batch(stand):
    standin, settings = stand
    ids = [f"2001.{n:05d}" for n in range(150)]
    ArxivSource(settings).lookup(ids)
    first, second = [h.path for h in standin.hits[:2]]
    assert "max_results=100" in first and first.count("%2C") == 99
    assert "max_results=50" in second and second.count("%2C") == 49


def test_arxiv_waits_between_requests_and_names_itself(stand):
    standin, settings = stand
    source = ArxivSource(settings_for(standin.url, arxiv_delay=0.3))
    source.lookup(["0000.00001"])  # asked twice: not found, then once more
    first, second = standin.hits
    # The client's own send times (the server's clock would add a busy machine's delays).
    started = list(source.throttles["query"].sent)
    assert len(started) == 2 and started[1] - started[0] >= 0.3 - 1e-6
    agent = {k.lower(): v for k, v in first.headers.items()}["user-agent"]
    assert agent.startswith("rsbib/") and "mailto:tests@rsbib.invalid" in agent


def test_crossref_identifies_itself_and_encodes_dois(stand):
    standin, settings = stand
    CrossrefSource(settings).lookup(["10.1000/a?b#c"])
    single = [h for h in standin.hits if h.path.startswith("/works/")][0]
    assert single.path == "/works/10.1000/a%3Fb%23c"
    agent = single.headers["User-Agent"]
    assert "rsbib/" in agent and "mailto:tests@rsbib.invalid" in agent


def test_crossref_slows_to_the_announced_rate(stand):
    standin, settings = stand
    standin.rate_limit = 4
    try:
        source = CrossrefSource(settings)
        for _ in range(4):
            source.search_text("SkySense")
    finally:
        standin.rate_limit = 1000
    started = list(source.throttles["list"].sent)  # the client's own send times, one per request
    assert len(started) == len(standin.hits) == 4
    gaps = [b - a for a, b in zip(started, started[1:])]
    # The first answer announces 4 a second; from then on requests are 0.25 s apart.
    assert min(gaps[1:]) >= 0.25 - 1e-6


def test_crossref_keeps_to_the_announced_concurrency(api):
    """Without a mailto Crossref's public pool allows one request at a time, and says so."""
    with StandIn(latency=0.05, rate_limit=1000) as public:
        source = CrossrefSource(settings_for(public.url, mailto=None))
        source.search_text("SkySense")  # the first answer announces x-concurrency-limit: 1
        public.reset()
        with ThreadPoolExecutor(max_workers=5) as pool:
            list(pool.map(source.search_text, ["SatMAE", "CROMA", "GeRSP", "SpectralGPT", "RSGPT"]))
        assert public.most_in_flight["crossref"] == 1
    polite = CrossrefSource(settings_for(api.url))
    polite.search_text("SkySense")
    assert polite.slots.limit == 3  # the polite pool: 3 at once since December 2025


# -- faults: every one is retried, and answered -------------------------------------------


@pytest.mark.parametrize("fault", [
    Fault("arxiv", "status", times=2, status=503),
    Fault("arxiv", "status", status=429, headers={"Retry-After": "0"}),
    Fault("arxiv", "truncate"),
    Fault("arxiv", "malformed"),
    Fault("arxiv", "error-entry"),
    Fault("arxiv", "empty"),
    Fault("arxiv", "drop"),
    Fault("arxiv", "slow", seconds=1.5),
], ids=lambda f: f"{f.kind}-{f.status}")
def test_arxiv_faults_are_retried(stand, fault):
    standin, _ = stand
    standin.inject(fault)
    source = ArxivSource(settings_for(standin.url, timeout=1.0))
    answer = source.lookup(["2312.10115", "2306.11029"])
    assert set(answer.found) == {"2312.10115", "2306.11029"} and answer.failures == {}
    assert standin.counts()["arxiv"] >= 2


def test_arxiv_gives_up_with_a_reason(stand):
    standin, settings = stand
    standin.inject(Fault("arxiv", "status", times=99, status=500))
    answer = ArxivSource(settings).lookup(["2312.10115"])
    failure = answer.failures["2312.10115"]
    assert answer.found == {} and isinstance(failure, Transient) and "HTTP 500" in str(failure)
    assert "gave up after 3 attempts" in str(failure)


@pytest.mark.parametrize("fault", [
    Fault("crossref", "status", times=3, status=502),
    Fault("crossref", "status", status=503),
    Fault("crossref", "truncate"),
    Fault("crossref", "malformed"),
    Fault("crossref", "drop"),
    Fault("crossref", "slow", seconds=1.5),
], ids=lambda f: f"{f.kind}-{f.status}")
def test_crossref_faults_are_retried(stand, fault):
    standin, _ = stand
    standin.inject(fault)
    source = CrossrefSource(settings_for(standin.url, timeout=1.0, retries=3))
    answer = source.lookup(["10.1109/tgrs.2024.3390838"])
    assert answer.failures == {} and answer.found["10.1109/tgrs.2024.3390838"].year == 2024
    assert [r.doi for r, _ in source.search_text("RemoteCLIP: A Vision Language Foundation Model")][0] \
        == "10.1109/tgrs.2024.3390838"


def test_crossref_obeys_retry_after(stand):
    standin, settings = stand
    standin.inject(Fault("crossref", "status", status=429, headers={"Retry-After": "1"}))
    started = time.monotonic()
    results = CrossrefSource(settings).search_text("SkySense")
    assert results and time.monotonic() - started >= 1.0
    assert standin.counts()["crossref"] == 2


def test_crossref_records_with_missing_fields():
    bare = to_record({"DOI": "10.1000/X", "type": "dataset"})
    assert (bare.doi, bare.title, bare.authors, bare.year, bare.type) == (
        "10.1000/x", "", [], None, "misc")
    org = to_record({"DOI": "10.1000/y", "title": ["T"], "author": [{"name": "ESA"}],
                     "published-online": {"date-parts": [[2020, 5]]}})
    assert org.authors[0].family == "ESA" and (org.year, org.month) == (2020, 5)
    assert to_record({"DOI": "10.48550/arXiv.2312.10115", "title": ["x"]}).doi is None


# -- typed failures -------------------------------------------------------------------------

# Crossref's answer to a malformed request: a JSON error whose text happens to hold "404".
REJECTED_404_TEXT = ('{"status":"failed","message-type":"validation-failure","message":'
                     '[{"type":"parameter-not-allowed","value":"10.1109/tgrs.2021.3140404",'
                     '"message":"filter doi:10.1109/tgrs.2021.3140404 is not valid (404 chars)"}]}')


def test_a_400_whose_text_holds_404_is_a_rejection_not_a_missing_doi(stand):
    standin, settings = stand
    doi = "10.1109/tgrs.2021.3140404"
    standin.inject(Fault("crossref", "status", times=99, status=400, body=REJECTED_404_TEXT))
    failure = CrossrefSource(settings).lookup([doi]).failures[doi]
    assert isinstance(failure, Rejected) and not isinstance(failure, NotFound)
    assert "HTTP 400" in str(failure) and "no record" not in str(failure)
    assert standin.counts()["crossref"] == 1  # not retried, and not asked DOI by DOI


def test_a_doi_whose_text_holds_404_is_found_by_its_doi(stand):
    standin, settings = stand
    doi = "10.1109/tgrs.2021.3140404"
    assert doi not in standin.corpus.crossref
    missing = CrossrefSource(settings).lookup([doi]).failures[doi]
    assert isinstance(missing, NotFound)  # the stand-in's real 404 for a DOI it lacks
    work = replace(standin.corpus.crossref["10.1109/tgrs.2022.3194732"], doi=doi)
    standin.corpus.crossref[doi] = work
    try:
        answer = CrossrefSource(settings).lookup([doi])
    finally:
        del standin.corpus.crossref[doi]
    assert answer.failures == {} and answer.found[doi].doi == doi


def test_retry_after_in_both_forms():
    now = datetime(2026, 11, 29, 18, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds("120", now) == 120.0
    assert retry_after_seconds("Sun, 29 Nov 2026 18:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Sun, 29 Nov 2026 17:00:00 GMT", now) == 0.0  # already past
    assert retry_after_seconds("soon", now) is None and retry_after_seconds(None, now) is None


def test_crossref_obeys_retry_after_given_as_an_http_date(stand):
    standin, settings = stand
    when = formatdate(time.time() + 2, usegmt=True)  # whole seconds: 1 to 2 s from now
    standin.inject(Fault("crossref", "status", status=429, headers={"Retry-After": when}))
    started = time.monotonic()
    assert CrossrefSource(settings).search_text("SkySense")
    assert time.monotonic() - started >= 0.9  # the backoff alone would be 0.01 s
    assert standin.counts()["crossref"] == 2


@pytest.mark.parametrize("status, kind", [(404, NotFound), (400, Rejected), (429, RateLimited),
                                          (500, Transient), (503, Transient)])
def test_failures_are_typed_by_status_alone(status, kind):
    failure = by_status(status, "HTTP 404 in the text of any answer")
    assert type(failure) is kind


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_service_that_refuses_connections_is_given_up_after_three_tries(stand):
    _, settings = stand
    told = []
    dead = settings_for(f"http://127.0.0.1:{closed_port()}", retries=4, backoff=2.0)
    source = CrossrefSource(dead, on_unreachable=lambda *said: told.append(said))
    started = time.monotonic()
    first = source.lookup(["10.1109/tgrs.2024.3390838"]).failures["10.1109/tgrs.2024.3390838"]
    answers = source.search(["SkySense", "SatMAE", "CROMA"])
    assert time.monotonic() - started < 5
    assert isinstance(first, Unreachable) and all(isinstance(a, Unreachable) for a in answers.values())
    assert len(told) == 1 and told[0][0] == "crossref"
    assert source.requests == 0 and "not asked again" in str(answers["SkySense"])


def test_habanero_requests_go_through_the_pooled_client(stand):
    standin, settings = stand
    source = CrossrefSource(settings)
    before = source.http.pooled
    source.search_text("SkySense")
    source.lookup(["10.1109/tgrs.2024.3390838", "10.1000/absent"])  # by filter, then by id
    assert standin.counts()["crossref"] == 3
    assert source.http.pooled - before == 3 and source.requests == 3, (
        f"habanero {version('habanero')} no longer sends its requests through the module-level "
        "`httpx2.get` that rsbib/sources/crossref.py replaces with a pooled, recording client: "
        "pin habanero back to 2.9.x in pyproject.toml, or move _install_recording_http to the "
        "hook the new version offers")


def test_the_sources_fit_the_interface(stand):
    _, settings = stand
    for source in (ArxivSource(settings), CrossrefSource(settings)):
        assert isinstance(source, Source) and source.pacing and source.url


def test_the_arxiv_packages_warnings_are_quieted_on_rsbibs_handler_only():
    assert logging.getLogger("arxiv").level == logging.NOTSET  # the process keeps its say
    keep = QuietArxivWarnings()
    record = lambda name, level: logging.LogRecord(name, level, "x", 1, "m", None, None)  # noqa: E731
    assert not keep.filter(record("arxiv", logging.WARNING))
    assert keep.filter(record("arxiv", logging.ERROR)) and keep.filter(record("rsbib", logging.WARNING))


def test_the_sources_are_made_without_their_http_packages_until_asked():
    """An offline sync makes the sources and never asks them: arxiv, habanero, requests, httpx2
    and lxml are imported when a source first asks, not when it is made (about 0.4 s)."""
    import subprocess
    import sys

    heavy = ("arxiv", "habanero", "httpx2", "requests", "lxml.etree", "rapidfuzz")
    script = ("import sys\nfrom rsbib.settings import Settings\nfrom rsbib.sources import wiring\n"
              "from rsbib.cli import cli\n"
              "sources, plan = wiring.build(Settings())\n"
              f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
              "sources[1].http\n"
              f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n")
    before, after = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                   check=True).stdout.splitlines()
    assert before == "[]"
    assert "'habanero'" in after and "'httpx2'" in after
