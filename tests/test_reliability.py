"""A bad day never costs an entry: API faults, killed syncs, readers during writes, hostile content."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import bibtexparser
import pytest

from tests.conftest import ROOT, TEST_ENV, run
from tests.standin import Fault, StandIn
from tests.standin.corpus import CrossrefWork

# Faults, timeouts, killed and interrupted syncs: seconds each (README, Development: the quick run).
pytestmark = pytest.mark.slow

FAST = {"RSBIB_TIMEOUT": "0.5"}


def status(db) -> dict:
    return json.loads(run("status", "--db", str(db), "--json").stdout)["totals"]


def states(db) -> dict:
    conn = sqlite3.connect(db)
    return dict(((line, (status, work)) for line, status, work in conn.execute(
        "SELECT e.line, e.status, w.citekey FROM entries e LEFT JOIN works w ON w.id = e.work_id")))


ARXIV_FAULTS = [
    Fault("arxiv", "status", times=99, status=429, headers={"Retry-After": "0"}),
    Fault("arxiv", "status", times=99, status=503),
    Fault("arxiv", "slow", times=99, seconds=1.0),
    Fault("arxiv", "drop", times=99),
    Fault("arxiv", "truncate", times=99),
    Fault("arxiv", "malformed", times=99),
    Fault("arxiv", "empty", times=99),
    Fault("arxiv", "error-entry", times=99),
    Fault("arxiv", "entities", times=99),
]
CROSSREF_FAULTS = [
    Fault("crossref", "status", times=99, status=429, headers={"Retry-After": "0"}),
    Fault("crossref", "status", times=99, status=500),
    Fault("crossref", "status", times=99, status=502),
    Fault("crossref", "slow", times=99, seconds=1.0),
    Fault("crossref", "drop", times=99),
    Fault("crossref", "truncate", times=99),
    Fault("crossref", "malformed", times=99),
]


def name(fault):
    return f"{fault.service}-{fault.kind}-{fault.status}"


@pytest.mark.parametrize("fault", ARXIV_FAULTS + CROSSREF_FAULTS, ids=name)
def test_a_persistent_fault_fails_only_its_rows_and_the_next_sync_retries_them(api, tmp_path,
                                                                                monkeypatch, fault):
    for key, value in FAST.items():
        monkeypatch.setenv(key, value)
    # arXiv: the id batch fails (53 rows). Crossref: the DOI batch fails (the 3 rows with DOI links).
    fault.path_contains = "id_list=2" if fault.service == "arxiv" else "filter=doi"
    expected_failed = 53 if fault.service == "arxiv" else 3
    api.inject(fault)
    db = tmp_path / "x.db"
    result = run("sync", "--db", str(db))
    assert result.exit_code == 1, result.output
    totals = status(db)
    assert totals["failed"] == expected_failed and totals["resolved"] == 86 - expected_failed
    conn = sqlite3.connect(db)
    notes = [r[0] for r in conn.execute("SELECT note FROM entries WHERE status = 'failed'")]
    assert all(notes) and len(set(result.stderr.splitlines()) & {
        line for line in result.stderr.splitlines() if line.startswith("  failed: line ")}) == expected_failed
    api.reset()
    result = run("sync", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert f"({expected_failed} looked up;" in result.stderr  # only the failed rows are asked again
    assert status(db)["resolved"] == 86 and states(db) == states(ROOT / "library.db")
    if fault.service == "crossref":
        # arXiv is asked only for the preprints of the three papers found by DOI: one title request
        assert [h.path for h in api.hits if "filter=doi" in h.path] and api.counts()["arxiv"] == 1


@pytest.mark.parametrize("fault", ARXIV_FAULTS[:3] + CROSSREF_FAULTS[:3], ids=name)
def test_a_refresh_under_faults_keeps_every_earlier_answer(api, library_copy, monkeypatch, fault):
    for key, value in FAST.items():
        monkeypatch.setenv(key, value)
    before = states(library_copy)
    api.inject(fault)
    result = run("sync", "--refresh", "--db", str(library_copy))
    assert result.exit_code == 1 and "kept the previous answer" in result.stderr
    assert states(library_copy) == before
    titles = sqlite3.connect(library_copy).execute(
        "SELECT count(*) FROM works WHERE title = '' OR title IS NULL").fetchone()[0]
    assert titles == 0


@pytest.mark.parametrize("fault", [Fault("arxiv", "status", times=2, status=503),
                                   Fault("crossref", "status", times=2, status=502),
                                   Fault("crossref", "status", times=1, status=429,
                                         headers={"Retry-After": "1"})], ids=name)
def test_passing_faults_cost_nothing(api, tmp_path, fault):
    api.inject(fault)
    db = tmp_path / "x.db"
    assert run("sync", "--db", str(db)).exit_code == 0
    assert states(db) == states(ROOT / "library.db")


def test_sparse_crossref_records(api, tmp_path):
    """No title: the row fails with the reason. No authors, an odd type: the row resolves."""
    crossref = api.corpus.crossref
    saved = {d: crossref[d] for d in ("10.3390/rs14225675", "10.13203/j.whugis20230341",
                                      "10.11834/jrs.20233313")}
    try:
        crossref["10.3390/rs14225675"] = CrossrefWork("10.3390/rs14225675", "", [], 2022, "journal-article")
        crossref["10.13203/j.whugis20230341"] = CrossrefWork(
            "10.13203/j.whugis20230341", "遥感大模型：进展与前瞻", [], None, "journal-article")
        crossref["10.11834/jrs.20233313"] = CrossrefWork(
            "10.11834/jrs.20233313", "遥感基础模型发展综述与未来设想", [("K.", "Fu")], 2024, "peer-review")
        db = tmp_path / "x.db"
        result = run("sync", "--db", str(db))
        assert result.exit_code == 1 and "line 28 [vision] CSPT: the record has no title" in result.stderr
        conn = sqlite3.connect(db)
        rows = dict(((line, (status, kind)) for line, status, kind in conn.execute(
            "SELECT e.line, e.status, w.type FROM entries e LEFT JOIN works w ON w.id = e.work_id "
            "WHERE e.line IN (28, 138, 144)")))
        assert rows == {28: ("failed", None), 138: ("resolved", "journal-article"), 144: ("resolved", "misc")}
        assert run("export", "--db", str(db)).exit_code == 0
    finally:
        crossref.update(saved)


# -- killed syncs and concurrent readers ------------------------------------------------

INVARIANTS = """
SELECT
  (SELECT count(*) FROM entries WHERE status NOT IN
     ('resolved', 'pending', 'unresolved', 'ambiguous', 'failed', 'not-a-paper')),
  (SELECT count(*) FROM entries e WHERE e.status = 'resolved' AND NOT EXISTS
     (SELECT 1 FROM works w WHERE w.id = e.work_id AND w.citekey IS NOT NULL)),
  (SELECT count(*) FROM works WHERE citekey IS NULL),
  (SELECT count(*) FROM work_authors wa WHERE NOT EXISTS (SELECT 1 FROM works w WHERE w.id = wa.work_id))
"""


def start_sync(db, standin) -> subprocess.Popen:
    env = {**os.environ, **standin.env, **TEST_ENV}
    return subprocess.Popen([sys.executable, "-m", "rsbib.cli", "sync", "--db", str(db)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)


@pytest.fixture
def slow_standin():
    with StandIn(latency=0.03, rate_limit=1000) as server:
        yield server


@pytest.mark.parametrize("after", [0.4, 0.9, 1.4, 2.0])
def test_a_killed_sync_leaves_a_sound_library_and_a_rerun_completes(slow_standin, tmp_path, after):
    db = tmp_path / "x.db"
    process = start_sync(db, slow_standin)
    time.sleep(after)
    process.send_signal(signal.SIGKILL)
    process.wait()
    if db.exists():
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        if "entries" in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}:
            assert conn.execute(INVARIANTS).fetchone() == (0, 0, 0, 0)
        conn.close()
    rerun = start_sync(db, slow_standin)
    assert rerun.wait(timeout=120) == 0, rerun.stderr.read()
    assert states(db) == states(ROOT / "library.db")


READER = """
import json, os, sqlite3, sys, time
db, stop, query = sys.argv[1:4]
seen, errors, longest = [], [], 0.0
while not os.path.exists(stop):
    started = time.monotonic()
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        conn.execute("BEGIN")
        seen.append(conn.execute(query).fetchone())
        longest = max(longest, time.monotonic() - started)
        time.sleep(0.05)  # hold the read transaction while the writer goes on
        conn.execute("COMMIT")
        conn.close()
    except sqlite3.Error as exc:  # "database is locked" would land here
        errors.append(str(exc))
print(json.dumps({"seen": seen, "errors": errors, "longest": longest}))
"""


def test_readers_never_see_a_half_written_batch(slow_standin, tmp_path):
    """Readers are other programs (Datasette, sqlite3): each its own process.

    Threads of one process would share that process's read lock, which
    SQLite lets a new read join even while a writer waits for it to end: a
    stream of overlapping reads from one process keeps any writer out.
    """
    db, stop = tmp_path / "x.db", tmp_path / "stop"
    assert run("sync", "--offline", "--db", str(db)).exit_code == 0  # the file exists (WAL while the next sync runs)
    readers = [subprocess.Popen([sys.executable, "-c", READER, str(db), str(stop), INVARIANTS],
                                stdout=subprocess.PIPE) for _ in range(3)]
    time.sleep(0.5)
    process = start_sync(db, slow_standin)
    code = process.wait(timeout=120)
    stop.touch()
    results = [json.loads(reader.communicate(timeout=30)[0]) for reader in readers]
    assert code == 0, process.stderr.read()
    seen = [tuple(row) for result in results for row in result["seen"]]
    assert [result["errors"] for result in results] == [[], [], []] and len(seen) > 20
    assert set(seen) == {(0, 0, 0, 0)}
    assert max(result["longest"] for result in results) < 2.0  # waited briefly at the switches
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert status(db)["resolved"] == 86


# -- hostile content -----------------------------------------------------------------------

HOSTILE = ["Evil } @misc{injected, title={x}", "back\\slash \\input{/etc/passwd} 100% & $5 #1",
           "'); DROP TABLE works; --", "<script>alert(1)</script> Title", "@comment{ x"]


def test_hostile_titles_travel_safely_from_list_to_export(tmp_path):
    rows = "".join(f"|-|**{t.replace('|', '')}**|RS2021|null|null|\n" for t in HOSTILE)
    source = tmp_path / "list.md"
    source.write_text("## Survey Papers\n|Abbreviation|Title|Publication|Paper|Code|\n"
                      "|---|---|---|---|---|\n" + rows)
    db = tmp_path / "x.db"
    assert run("sync", "--offline", "--source", str(source), "--db", str(db)).exit_code == 0
    stored = [r[0] for r in sqlite3.connect(db).execute("SELECT title FROM entries ORDER BY line")]
    assert stored[2] == "'); DROP TABLE works; --"  # stored as text
    assert sqlite3.connect(db).execute("SELECT count(*) FROM works").fetchone() == (0,)
    for fmt in ("bibtex", "biblatex"):
        text = run("export", "--db", str(db), "--format", fmt).stdout
        library = bibtexparser.parse_string(text)
        assert library.failed_blocks == [] and len(library.entries) == len(HOSTILE)
        assert "\\input{" not in text and "injected" not in [e.key for e in library.entries]


def test_links_that_are_not_http_never_reach_datasette(tmp_path):
    import asyncio

    from datasette.app import Datasette

    from rsbib.web.shipped import metadata

    source = tmp_path / "list.md"
    source.write_text("## Survey Papers\n|Title|Paper|\n|---|---|\n"
                      "|**A**|[x](javascript:alert(1))|\n|**B**|<a href=\"javascript:alert(2)\">x</a>|\n")
    db = tmp_path / "library.db"
    assert run("sync", "--offline", "--source", str(source), "--db", str(db)).exit_code == 0

    async def page():
        ds = Datasette([str(db)], metadata=metadata(db))
        return (await ds.client.get("/library/entries")).text

    html = asyncio.run(page())
    assert "javascript:" not in html
