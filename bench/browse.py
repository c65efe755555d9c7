"""Datasette over a synthetic library: python -m bench.browse [--rows 10000] [--db PATH]

Builds (or reuses, with --db) a library of synthetic works by a real `rsbib
sync` against the stand-in, then times the pages a reader opens, through
Datasette's own client with rsbib's plugin, as `rsbib serve` serves them.
Each figure is the median of --repeat runs, after one warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import synthetic
from bench.run import ROOT, environment
from tests.standin import Corpus, StandIn

PAGES = [  # (what, path, goal in seconds)
    ("papers page (HTML, facets)", "/library/papers", 0.3),
    ("papers search (HTML)", "/library/papers?_search=foundation+model", 0.3),
    ("search box (/-/search)", "/-/search?q=foundation+model", 0.3),
    ("works page (HTML)", "/library/works?_nocol=abstract", 0.3),
    (".bib of all works", "/library/papers.bib", 3.0),
]


def build(rows: int, db: Path) -> None:
    text, records = synthetic.make(rows)
    with StandIn(corpus=Corpus.from_records(records, distractors=False),
                 rate_limit=1_000_000) as standin:
        source = db.with_suffix(".md")
        source.write_text(text)
        subprocess.run([sys.executable, "-m", "rsbib.cli", "sync", "--source", str(source),
                        "--db", str(db)], env=environment(standin, 0, 1_000_000), cwd=ROOT,
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def timings(db: Path, repeat: int) -> list[str]:
    from rsbib.web.serve import datasette_for

    ds = datasette_for(db, live=False)
    name = db.stem  # Datasette names a database after its file
    works = (await ds.get_database(name).execute("SELECT count(*) FROM works")).rows[0][0]
    lines = [f"Datasette over {db} ({works} works), median of {repeat} after a warm-up"]
    for what, path, goal in PAGES:
        times = []
        for _ in range(repeat + 1):
            started = time.perf_counter()
            response = await ds.client.get(path.replace("/library/", f"/{name}/"))
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
        median = statistics.median(times[1:])
        size = len(response.content) / 1e6
        verdict = "ok" if median < goal else "OVER"
        lines.append(f"    {what:<28} {median * 1000:>8.0f} ms  {size:>6.2f} MB  "
                     f"(goal < {goal * 1000:.0f} ms: {verdict})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the synthetic list")
    parser.add_argument("--db", type=Path, help="reuse (or keep) this library instead of a temporary one")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "library.db"
        if not db.exists():
            started = time.perf_counter()
            build(args.rows, db)
            print(f"built {db} in {time.perf_counter() - started:.0f} s", flush=True)
        for line in asyncio.run(timings(db, args.repeat)):
            print(line, flush=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "rsbib.cli", "export", "--db", str(db)], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f"    for comparison, `rsbib export` of the same library: "
              f"{(time.perf_counter() - started) * 1000:.0f} ms (command start-up included)")


if __name__ == "__main__":
    main()
