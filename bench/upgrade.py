"""`rsbib upgrade` of a large .bib under today's limits: requests and time per service against the floor.

python -m bench.upgrade [--entries 1200] [--scale 0.1] [--bib PATH]

The .bib is synthetic (nothing in it is a real paper) in the shapes real
libraries have, one entry in ten of each: arXiv preprints published since,
preprints that stay preprints (the only entries DBLP must be asked about),
published entries with a DOI (nothing to ask), published entries without a
DOI that Crossref holds, workshop papers no service holds (DBLP is not asked
about them: the entry is a version of record already), and entries written
`@inproceedings(...)`. The stand-in holds the synthetic papers and
enforces what each service allows (rsbib/sources/base.py) times --scale.
`--bib PATH` upgrades your own file instead (the stand-in then knows none of
its papers: it measures the requests rsbib sends, not what it finds).
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.run import environment, floor_seconds, measure, spans
from bench.synthetic import WORDS, vocabulary
from tests.standin import Corpus, StandIn
from tests.standin.rules import Rules

SHAPES = ("published-since", "published-since", "stays-preprint", "stays-preprint", "with-doi",
          "with-doi", "title-only", "title-only", "unknown", "parenthesised")


def make(entries: int, seed: int = 11) -> tuple[str, list[dict], dict[str, int]]:
    """(.bib text, the stand-in's records, how many entries of each shape)."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    parts, records, shapes = [], [], {s: 0 for s in SHAPES}
    for n in range(entries):
        shape = SHAPES[n % len(SHAPES)]
        shapes[shape] += 1
        title = " ".join(rng.sample(WORDS, 3) + rng.sample(words, 5)).capitalize() + f" {n}"
        year = rng.choice((2019, 2020, 2021, 2022, 2023))
        arxiv_id = f"{year % 100:02d}{rng.randint(1, 12):02d}.{n:05d}"
        doi = f"10.5555/upgrade.{n}"
        authors = [f"Family{n}x{k}, Given{k}" for k in range(rng.randint(1, 5))]
        record = {"title": title, "authors": authors, "year": year, "volume": "7", "issue": None,
                  "pages": f"{n}-{n + 9}", "doi_on_arxiv": False, "title_en": None,
                  "venue": "Synthetic Journal", "arxiv_id": None, "doi": doi,
                  "type": "journal-article"}
        fields = {"author": "{" + " and ".join(authors) + "}", "title": "{" + title + "}",
                  "year": str(year)}
        kind = "article"
        if shape in ("published-since", "stays-preprint"):
            record["arxiv_id"] = arxiv_id
            if shape == "stays-preprint":
                record.update(doi=None, type="preprint", venue=None)
            fields.update(journal="{arXiv preprint arXiv:" + arxiv_id + "}", eprint="{" + arxiv_id + "}")
        elif shape == "with-doi":
            fields.update(journal="{Synthetic Journal}", doi="{" + doi + "}")
        elif shape == "unknown":  # a workshop paper no service holds (no DOI, not in DBLP)
            kind, record = "inproceedings", None
            fields.update(booktitle="{Synthetic Workshop}")
        else:
            kind = "inproceedings"
            record["type"] = "proceedings-article"
            fields.update(booktitle="{Synthetic Conference}")
        if record:
            records.append(record)
        opening, closing = ("(", ")") if shape == "parenthesised" else ("{", "}")
        body = ",\n".join(f"  {k} = {v}" for k, v in fields.items())
        parts.append(f"@{kind}{opening}entry{n},\n{body}\n{closing}\n")
    return "\n".join(parts), records, shapes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--entries", type=int, default=1200)
    parser.add_argument("--scale", type=float, default=0.1,
                        help="multiplies every allowed interval and the latency (1.0: today's limits)")
    parser.add_argument("--bib", help="upgrade this .bib instead of the synthetic one")
    args = parser.parse_args()
    rules, latency = Rules(scale=args.scale), 0.2 * args.scale
    if args.bib:
        text, records, shapes = Path(args.bib).read_text("utf-8"), [], {}
    else:
        text, records, shapes = make(args.entries)
    count = len(re.findall(r"^@\w+\s*[({]", text, re.M))
    print(f"rsbib upgrade of a {count}-entry .bib, {time.strftime('%Y-%m-%d')}, scale {args.scale} "
          f"(latency {latency * 1000:.0f} ms)")
    if shapes:
        print("    entries    " + ", ".join(f"{k} {v}" for k, v in shapes.items()))
    corpus = Corpus.from_records(records, distractors=False)
    with tempfile.TemporaryDirectory() as tmp, StandIn(corpus=corpus, latency=latency,
                                                       rules=rules) as standin:
        bib, db, out = Path(tmp) / "refs.bib", Path(tmp) / "library.db", Path(tmp) / "out.bib"
        bib.write_text(text, "utf-8")
        env = environment(standin, args.scale)
        run = measure(["upgrade", str(bib), "--db", str(db), "-o", str(out)], env, stderr=True)
        counts, took, refused = dict(standin.counts()), spans(standin), dict(standin.violations)
        said = next((line for line in run.stderr.decode().splitlines()
                     if line.startswith("Asking the services")), "(no estimate said)")
        floor = {"arxiv": 0, "crossref": 0, "dblp": shapes.get("stays-preprint", 0)}
        if shapes:
            ids = shapes["published-since"] + shapes["stays-preprint"]
            titles = shapes["title-only"] + shapes["parenthesised"]
            titles += shapes["unknown"]
            floor["arxiv"] = -(-ids // 100) + -(-titles // 20)
            floor["crossref"] = ids + titles
        floors = floor_seconds(floor, rules, latency)
        print(f"    said       {said}")
        print(f"    {'service':<9} {'requests':>8} {'floor':>6} {'429s':>5} {'its span':>9} {'floor s':>8}")
        for service, name in (("arxiv", "arXiv"), ("crossref", "Crossref"), ("dblp", "DBLP")):
            print(f"    {name:<9} {counts.get(service, 0):>8} {floor[service]:>6} "
                  f"{refused.get(service, 0):>5} {took.get(service, 0.0):>8.2f}s {floors[service]:>7.2f}s")
        with sqlite3.connect(db) as conn:
            kept = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'answer_cache'").fetchone()[0]
            answers = conn.execute("SELECT count(*) FROM answer_cache").fetchone()[0] if kept else 0
        print(f"    wall       {run.wall:.2f} s (floor {max(floors.values()):.2f} s, "
              f"{run.wall / max(max(floors.values()), 1e-9):.2f}x)  cpu {run.cpu:.2f} s  exit {run.code}  "
              f"answers kept {answers}")
        if shapes:
            print(f"    DBLP       asked only about the {shapes['stays-preprint']} preprints no other "
                  f"answer settles; not about the {shapes['unknown']} published entries no service "
                  f"holds (the rule before asked about every entry left unresolved)")
        report = [line for line in run.stderr.decode().splitlines() if re.match(r"\s*\d+ \w", line)]
        for line in report[:8]:
            print(f"    report     {line.strip()}")


if __name__ == "__main__":
    main()
