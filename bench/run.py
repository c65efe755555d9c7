"""Benchmarks that print figures: python -m bench.run [--scale 0.1] [--sizes 1000,5000,10000]

rsbib runs as users run it (the `rsbib` command in a child process) against
the stand-in on 127.0.0.1. For the embedded list the stand-in enforces what
each service allows today (rsbib/sources/base.py, ALLOWED: arXiv one request
every 3 s; Crossref list requests 3 a second, single records 10 a second, 3
at once; DBLP one request every 1.5 s; over the limit: 429 + Retry-After) and
adds a 200 ms latency, all multiplied by --scale (rsbib is told the same
scale, RSBIB_PACE_SCALE). The synthetic lists run at zero latency with no
rules, to measure rsbib's own cost. `--upgrade` runs bench/upgrade.py.
"""

from __future__ import annotations

import argparse
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import synthetic
from tests.standin import Corpus, StandIn
from tests.standin.rules import Rules

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Measure:
    wall: float
    cpu: float
    peak_mb: float
    code: int
    stdout: bytes
    stderr: bytes = b""


def measure(args: list[str], env: dict, stderr: bool = False) -> Measure:
    """Run `python -m rsbib.cli ARGS` once: wall time, CPU time and peak memory of that child
    (and its stderr when asked: read after it ends, so keep it short)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen([sys.executable, "-m", "rsbib.cli", *args], env=env, cwd=ROOT,
                                 stdout=subprocess.PIPE,
                                 stderr=errors if stderr else subprocess.DEVNULL)
        stdout = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        errors.seek(0)
        said = errors.read()
    return Measure(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                   os.waitstatus_to_exitcode(status), stdout, said)


def environment(standin: StandIn, scale: float = 1.0, free: bool = False) -> dict:
    """rsbib pointed at the stand-in, pacing itself by what the services allow times `scale`
    (or, `free`, with no pace at all: to measure rsbib's own cost)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RSBIB_")}
    env.update({**standin.env, "RSBIB_MAILTO": "bench@rsbib.invalid", "RSBIB_BACKOFF": "0.05",
                "RSBIB_PACE_SCALE": str(scale)})
    for name in ("RSBIB_ARXIV_DELAY", "RSBIB_DBLP_DELAY"):
        if free:
            env[name] = "0"
        else:
            env.pop(name, None)  # the stand-in's "no delay": the bench keeps the real pace
    if free:
        env["RSBIB_CROSSREF_RATE"] = "1000000"
    return env


def starts(standin: StandIn) -> dict[str, float]:
    """Seconds from the first request of the run to each service's first request."""
    first: dict[str, float] = {}
    for hit in standin.hits:
        first.setdefault(hit.service, hit.at)
    begin = min(first.values(), default=0.0)
    return {s: t - begin for s, t in first.items()}


def spans(standin: StandIn) -> dict[str, float]:
    """Seconds from each service's first request to its last, as the stand-in saw them."""
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    for hit in standin.hits:
        first.setdefault(hit.service, hit.at)
        last[hit.service] = hit.at
    return {s: last[s] - first[s] for s in first}


def floor_seconds(plan: dict[str, int], rules: Rules, latency: float) -> dict[str, float]:
    """The least time each service's requests take under its rules (its slowest kind for all)."""
    table = {"arxiv": ("arxiv", "query"), "crossref": ("crossref", "list"), "dblp": ("dblp", "search")}
    out = {}
    for service, count in plan.items():
        limit, window = rules.window(*table[service])
        out[service] = max(0, math.ceil(count / limit) - 1) * window + latency if count else 0.0
    return out


def floor_plan(db: Path) -> dict:
    """The fewest requests that answer what this sync had to know, from what it found.

    arXiv: the link ids, 100 a request; every title-only row's title and every DOI row's
    record title (its preprint is sought), 20 a request (OR'ed in one query); the arXiv ids
    DBLP gave rows that had none, 100 a request. Crossref: the link DOIs, 50 a request; one
    search per distinct title-only row; one search per preprint whose arXiv record names no
    DOI; the DOIs DBLP named, 50 a request. DBLP: one search per work that arXiv and
    Crossref left without a version of record, and per row no source resolved.
    """
    conn = sqlite3.connect(db)
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    arxiv_ids = one("SELECT count(DISTINCT link_arxiv_id) FROM entries WHERE link_arxiv_id IS NOT NULL")
    link_dois = one("SELECT count(DISTINCT link_doi) FROM entries WHERE link_doi IS NOT NULL "
                    "AND link_arxiv_id IS NULL")
    title_rows = ("status != 'not-a-paper' AND link_arxiv_id IS NULL AND link_doi IS NULL")
    titles = one(f"SELECT count(DISTINCT lower(title)) FROM entries WHERE {title_rows}")
    preprints = one("SELECT count(DISTINCT link_arxiv_id) FROM entries WHERE link_arxiv_id IS NOT NULL")
    dblp_works = ("SELECT w.* FROM works w WHERE w.venue_source IS NOT 'crossref' AND w.id IN "
                  "(SELECT work_id FROM entries)")
    without_record = one(f"SELECT count(*) FROM ({dblp_works})")
    unresolved = one("SELECT count(DISTINCT lower(title)) FROM entries WHERE status = 'unresolved'")
    dblp_dois = one(f"SELECT count(*) FROM ({dblp_works}) WHERE venue_source = 'dblp' "
                    "AND doi IS NOT NULL")
    twins = one("SELECT count(DISTINCT w.arxiv_id) FROM works w JOIN entries e ON e.work_id = w.id "
                "WHERE e.method = 'dblp-title' AND w.arxiv_id IS NOT NULL")
    return {"arxiv": math.ceil(arxiv_ids / 100) + math.ceil((titles + link_dois) / 20)
            + math.ceil(twins / 100),
            "crossref": math.ceil(link_dois / 50) + titles + preprints + math.ceil(dblp_dois / 50),
            "dblp": without_record + unresolved}


def cold_embedded(scale: float) -> list[str]:
    rules = Rules(scale=scale)  # what each service allows today (rsbib/sources/base.py), scaled
    latency = 0.2 * scale
    lines = []
    with tempfile.TemporaryDirectory() as tmp, StandIn(latency=latency, rules=rules) as standin:
        db = Path(tmp) / "library.db"
        env = environment(standin, scale)
        cold = measure(["sync", "--db", str(db)], env)
        counts = dict(standin.counts())
        violations = dict(standin.violations)
        took, began = spans(standin), starts(standin)
        plan = floor_plan(db)
        floors = floor_seconds(plan, rules, latency)
        floor = max(floors.values())  # the three services overlapped
        rows = sqlite3.connect(db).execute("SELECT count(*) FROM entries").fetchone()[0]
        sent = sum(counts.get(s, 0) for s in ("arxiv", "crossref", "dblp"))
        floor_requests = sum(plan.values())
        lines.append(
            f"(a) cold sync of the embedded list ({rows} rows) under today's limits, scale {scale} "
            f"(latency {latency * 1000:.0f} ms; arXiv 1 per {rules.window('arxiv', 'query')[1]:.2f} s, "
            f"Crossref lists {rules.window('crossref', 'list')[0]} per "
            f"{rules.window('crossref', 'list')[1]:.2f} s and singles "
            f"{rules.window('crossref', 'single')[0]} per {rules.window('crossref', 'single')[1]:.2f} s, "
            f"{rules.at_once('crossref')} at once; DBLP 1 per {rules.window('dblp', 'search')[1]:.2f} s)")
        lines.append(f"    {'service':<9} {'requests':>8} {'floor':>6} {'429s':>5} {'its span':>9} "
                     f"{'floor s':>8} {'starts at':>10}")
        for service, name in (("arxiv", "arXiv"), ("crossref", "Crossref"), ("dblp", "DBLP")):
            lines.append(f"    {name:<9} {counts.get(service, 0):>8} {plan[service]:>6} "
                         f"{violations.get(service, 0):>5} {took.get(service, 0.0):>8.2f}s "
                         f"{floors[service]:>7.2f}s {began.get(service, 0.0):>9.2f}s")
        lines += [
            f"    wall       {cold.wall:.2f} s  (floor {floor:.2f} s)  cpu {cold.cpu:.2f} s  "
            f"peak {cold.peak_mb:.0f} MB  exit {cold.code}",
            f"    ratio      requests {sent / floor_requests:.2f}x floor, "
            f"wall {cold.wall / floor:.2f}x floor (target <= 1.15x); "
            f"answers of 429 to rsbib's pace: {sum(violations.values())} (target 0)",
        ]
        standin.reset()
        warm = measure(["sync", "--db", str(db)], env)
        version = min(measure(["--version"], env).wall for _ in range(3))
        warm_wall = min([warm.wall] + [measure(["sync", "--db", str(db)], env).wall for _ in range(2)])
        lines += [
            "(b) warm sync of the embedded list",
            f"    requests   {sum(standin.counts().values())} (target 0)  wall {warm_wall:.2f} s "
            f"(target < 1 s)  rsbib --version {version:.2f} s  ratio {warm_wall / version:.2f}x "
            f"(target <= 3x)",
        ]
    return lines


def synthetic_sizes(sizes: list[int]) -> Iterator[str]:
    yield "(c) synthetic lists, zero latency, no rate rules: rsbib's own cost"
    yield (f"    {'rows':>6} {'sync wall':>10} {'sync cpu':>9} {'export cpu':>11} "
           f"{'total cpu':>10} {'peak MB':>8} {'cpu/row ms':>11} {'requests':>9}")
    per_row = {}
    exports = []
    for size in sizes:
        text, records = synthetic.make(size)
        with tempfile.TemporaryDirectory() as tmp, \
                StandIn(corpus=Corpus.from_records(records, distractors=False),
                        rate_limit=1_000_000) as standin:
            source, db = Path(tmp) / "list.md", Path(tmp) / "library.db"
            source.write_text(text)
            env = environment(standin, free=True)
            sync = measure(["sync", "--source", str(source), "--db", str(db)], env)
            requests = sum(standin.counts().values())
            export = measure(["export", "--db", str(db)], env)
            total = sync.cpu + export.cpu
            per_row[size] = total / size
            yield (f"    {size:>6} {sync.wall:>9.1f}s {sync.cpu:>8.1f}s {export.cpu:>10.1f}s "
                   f"{total:>9.1f}s {max(sync.peak_mb, export.peak_mb):>8.0f} "
                   f"{per_row[size] * 1000:>11.2f} {requests:>9}  exit {sync.code}")
            if size == max(sizes):
                works = sqlite3.connect(db).execute("SELECT count(*) FROM works").fetchone()[0]
                for fmt in ("bibtex", "biblatex", "csl-json"):
                    run = measure(["export", "--db", str(db), "--format", fmt], env)
                    exports.append(f"    {fmt:<9} {run.wall:.2f} s wall, {run.cpu:.2f} s cpu, "
                                   f"{len(run.stdout) / 1e6:.1f} MB (target < 5 s)")
                exports.insert(0, f"(d) export of {works} works")
    if len(sizes) > 1:
        low, high = min(sizes), max(sizes)
        yield (f"    growth: cpu per row at {high} rows is {per_row[high] / per_row[low]:.2f}x "
               f"that at {low} (1.00x = linear)")
    yield from exports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiplies latency and rate rules of (a) and (b) (1.0: the real values)")
    parser.add_argument("--sizes", default="1000,5000,10000", help="synthetic list sizes")
    parser.add_argument("--embedded-only", action="store_true",
                        help="only (a) and (b): the cold and warm syncs of the embedded list")
    args = parser.parse_args()
    print(f"rsbib benchmarks, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores")
    for line in cold_embedded(args.scale):
        print(line, flush=True)
    if args.embedded_only:
        return
    for line in synthetic_sizes([int(s) for s in args.sizes.split(",") if s]):
        print(line, flush=True)


if __name__ == "__main__":
    main()
