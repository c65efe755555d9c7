"""A synthetic list and the synthetic corpus that answers it (nothing here is a real paper).

Rows are a mix like the real list's: arXiv links (some preprints published
since), DOI links, and title-only links (IEEE, CVF) whose paper is in
Crossref or only on arXiv. Titles are made of random words, so no two
papers share one.
"""

from __future__ import annotations

import random

WORDS = ["remote", "sensing", "foundation", "model", "satellite", "imagery", "contrastive", "masked", "autoencoder", "multimodal", "spectral", "temporal", "segmentation", "detection", "benchmark", "dataset", "vision", "language", "transformer", "pretraining", "geospatial", "earth", "observation", "representation", "learning", "scene", "radar", "optical", "hyperspectral", "change", "urban", "crop", "forest", "ocean", "cloud", "aerial", "lidar", "diffusion", "generative", "retrieval", "captioning", "grounding", "localization", "scale", "adaptive", "efficient", "lightweight", "unified", "universal", "global", "regional", "few", "shot", "zero", "label", "noise"]
TABLE = "|Abbreviation|Title|Publication|Paper|Code & Weights|\n|:---:|---|:---:|:---:|:---:|\n"


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    """The common words plus made-up ones, so titles share words as real ones do."""
    syllables = ["ra", "ne", "to", "ki", "lu", "mo", "sa", "vi", "de", "po", "gra", "tri",
                 "spe", "cor", "ban", "lin", "mar", "tes", "qui", "zo"]
    made = {"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(size)}
    return WORDS + sorted(made)


def make(rows: int, seed: int = 7) -> tuple[str, list[dict]]:
    """(markdown list, snapshot-style records) for `rows` rows in tables of up to 500."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    records, lines = [], []
    for n in range(rows):
        common = rng.sample(WORDS, 4)  # every title has some field words, and its own
        title = " ".join(common + rng.sample(words, 5)).capitalize() + f" {n}"
        year = rng.choice((2021, 2022, 2023, 2024))
        arxiv_id = f"{year % 100:02d}{rng.randint(1, 12):02d}.{n:05d}"
        doi = f"10.5555/synthetic.{n}"
        authors = [f"Family{n}x{k}, Given{k}" for k in range(rng.randint(1, 6))]
        kind = n % 10
        if kind < 4:  # arXiv link; every other one published since
            rec = {"arxiv_id": arxiv_id, "doi": doi if kind % 2 else None, "type":
                   "journal-article" if kind % 2 else "preprint"}
            link, label = f"https://arxiv.org/abs/{arxiv_id}", f"Arxiv{year}"
        elif kind < 7:  # DOI link
            rec = {"arxiv_id": None, "doi": doi, "type": "journal-article"}
            link, label = f"https://doi.org/{doi}", f"TGRS{year}"
        elif kind < 9:  # title only, in Crossref
            rec = {"arxiv_id": None, "doi": doi, "type": "proceedings-article"}
            link, label = f"https://ieeexplore.ieee.org/document/{9000000 + n}", f"CVPR{year}"
        else:  # title only, on arXiv alone
            rec = {"arxiv_id": arxiv_id, "doi": None, "type": "preprint"}
            link, label = f"https://openaccess.thecvf.com/paper_{n}.html", f"ICCV{year}"
        records.append({**rec, "title": title, "authors": authors, "year": year,
                        "venue": "Synthetic Journal" if rec["doi"] else None, "volume": "1",
                        "issue": None, "pages": f"{n}-{n + 9}", "doi_on_arxiv": False,
                        "title_en": None})
        if n % 500 == 0:
            lines.append(f"\n## Synthetic Table {n // 500 + 1}\n\n" + TABLE)
        lines.append(f"|**S{n}**|**{title}**|{label}|[S{n}]({link})|null|\n")
    return "".join(lines), records
