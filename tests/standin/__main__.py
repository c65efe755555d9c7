"""Run the stand-in of arXiv, Crossref and DBLP.

    python -m tests.standin                      # serve, print the variables to export
    python -m tests.standin --build library.db   # rebuild the shipped library with rsbib sync
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from . import Corpus, StandIn
from .corpus import SNAPSHOT

BUILT_FROM = ("the offline snapshot of the papers' public records (tests/standin/snapshot.jsonl, "
              "gathered by hand on 2026-11-29 from arXiv listings, Crossref/OpenAlex, DBLP-style "
              "records and publisher pages), served by a local stand-in of the arXiv, Crossref and "
              "DBLP APIs; not a sync against the live services")


def record_provenance(conn: sqlite3.Connection) -> None:
    """Say in the library what it was built from, and which DOIs rest on weak evidence.

    `rsbib status` and Datasette show the `about` table; a DOI is weak where the
    snapshot saw it in one secondary source only (its `doi_evidence`).
    """
    weak = {json.loads(line)["doi"] for line in SNAPSHOT.read_text("utf-8").splitlines()
            if line.strip() and json.loads(line).get("doi_evidence") == "weak"}
    held = {doi for (doi,) in conn.execute("SELECT lower(doi) FROM works WHERE doi IS NOT NULL")}
    conn.execute("CREATE TABLE IF NOT EXISTS about (key TEXT NOT NULL, value TEXT NOT NULL)")
    conn.execute("INSERT INTO about VALUES ('built_from', ?)", [BUILT_FROM])
    conn.executemany("INSERT INTO about VALUES ('weak_doi', ?)", [[d] for d in sorted(weak & held)])
    conn.commit()


def build(target: Path, standin: StandIn) -> int:
    """A cold `rsbib sync` of the embedded list into a fresh file that then replaces `target`."""
    fresh = target.with_name(target.name + ".new")
    for leftover in (fresh, Path(f"{fresh}-wal"), Path(f"{fresh}-shm")):
        leftover.unlink(missing_ok=True)
    env = {**os.environ, **standin.env, "RSBIB_MAILTO": "rsbib-build@example.org"}
    done = subprocess.run([sys.executable, "-m", "rsbib.cli", "sync", "--db", str(fresh)], env=env)
    if done.returncode != 0:
        print(f"rsbib sync failed ({done.returncode}); {target} left as it was", file=sys.stderr)
        return done.returncode
    # Shipped in rollback-journal mode, so reading it never leaves -wal/-shm files beside it
    # (a sync switches it back to WAL).
    conn = sqlite3.connect(fresh)
    record_provenance(conn)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    os.replace(fresh, target)
    print(f"{target} rebuilt; requests served: {dict(standin.counts())}", file=sys.stderr)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument("--build", type=Path, metavar="DB", help="rebuild DB with rsbib sync, then exit")
    args = parser.parse_args()
    # The shipped library is built from the snapshot alone: the synthetic near-miss
    # records exist to test the resolver and must never reach it.
    corpus = Corpus.from_snapshot(distractors=not args.build)
    with StandIn(corpus=corpus, port=args.port, latency=args.latency) as standin:
        if args.build:
            return build(args.build, standin)
        print("Stand-in of arXiv, Crossref and DBLP is listening. Point rsbib at it with:")
        for name, value in standin.env.items():
            print(f"  export {name}={value}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("\nrequests served:", dict(standin.counts()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
