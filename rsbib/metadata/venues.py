"""Venue labels of awesome lists ("TGRS2022", "NeurIPS2023") and the venues they stand for."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Venue:
    label: str  # as the list writes it
    name: str  # full name, as in a bibliography
    type: str  # journal-article or proceedings-article
    patterns: tuple[str, ...] = ()  # regexes a canonical venue name matches
    iso4: str | None = None  # ISO 4 abbreviation of a journal (LTWA, as the journal gives it)


VENUES = [
    Venue("TGRS", "IEEE Transactions on Geoscience and Remote Sensing", "journal-article",
          (r"transactions on geoscience and remote sensing",), "IEEE Trans. Geosci. Remote Sens."),
    Venue("JSTARS", "IEEE Journal of Selected Topics in Applied Earth Observations and Remote Sensing",
          "journal-article", (r"selected topics in applied earth observations",),
          "IEEE J. Sel. Top. Appl. Earth Obs. Remote Sens."),
    Venue("GRSM", "IEEE Geoscience and Remote Sensing Magazine", "journal-article",
          (r"geoscience and remote sensing magazine",), "IEEE Geosci. Remote Sens. Mag."),
    Venue("GRSL", "IEEE Geoscience and Remote Sensing Letters", "journal-article",
          (r"geoscience and remote sensing letters",), "IEEE Geosci. Remote Sens. Lett."),
    Venue("TPAMI", "IEEE Transactions on Pattern Analysis and Machine Intelligence",
          "journal-article", (r"pattern analysis and machine intelligence",),
          "IEEE Trans. Pattern Anal. Mach. Intell."),
    Venue("ISPRS", "ISPRS Journal of Photogrammetry and Remote Sensing", "journal-article",
          (r"isprs journal of photogrammetry",), "ISPRS J. Photogramm. Remote Sens."),
    Venue("JAG", "International Journal of Applied Earth Observation and Geoinformation",
          "journal-article", (r"applied earth observation and geoinformation",),
          "Int. J. Appl. Earth Obs. Geoinf."),
    Venue("RSE", "Remote Sensing of Environment", "journal-article", (r"^remote sensing of environment",),
          "Remote Sens. Environ."),
    Venue("RS", "Remote Sensing", "journal-article", (r"^remote sensing$",), "Remote Sens."),
    Venue("ESSD", "Earth System Science Data", "journal-article", (r"earth system science data",),
          "Earth Syst. Sci. Data"),
    Venue("CVPRW", "IEEE/CVF Conference on Computer Vision and Pattern Recognition Workshops",
          "proceedings-article", (r"(cvpr|computer vision and pattern recognition).*workshop",)),
    Venue("CVPR", "IEEE/CVF Conference on Computer Vision and Pattern Recognition",
          "proceedings-article", (r"\bcvpr\b", r"conference on computer vision and pattern recognition")),
    # Workshops and tracks come before their conference (the first match wins) and
    # share its label, so `rsbib check` reads them as that venue.
    Venue("ICCV", "IEEE/CVF International Conference on Computer Vision Workshops",
          "proceedings-article", (r"(iccv|international conference on computer vision).*workshop",)),
    Venue("ICCV", "IEEE/CVF International Conference on Computer Vision", "proceedings-article",
          (r"\biccv\b", r"international conference on computer vision")),
    Venue("ECCV", "European Conference on Computer Vision Workshops", "proceedings-article",
          (r"(eccv|european conference on computer vision).*workshop",)),
    Venue("ECCV", "European Conference on Computer Vision", "proceedings-article",
          (r"\beccv\b", r"european conference on computer vision")),
    Venue("NeurIPSW", "NeurIPS Workshops", "proceedings-article",
          (r"(neurips|neural information processing systems).*workshop",)),
    Venue("NeurIPS", "Neural Information Processing Systems Track on Datasets and Benchmarks",
          "proceedings-article", (r"datasets and benchmarks",)),
    Venue("NeurIPS", "Advances in Neural Information Processing Systems", "proceedings-article",
          (r"neural information processing systems", r"\bneurips\b")),
    Venue("ICLR", "International Conference on Learning Representations", "proceedings-article",
          (r"learning representations",)),
    Venue("ICML", "International Conference on Machine Learning", "proceedings-article",
          (r"international conference on machine learning",)),
    Venue("AAAI", "AAAI Conference on Artificial Intelligence", "proceedings-article",
          (r"\baaai\b",)),
    Venue("IGARSS", "IEEE International Geoscience and Remote Sensing Symposium",
          "proceedings-article", (r"\bigarss\b", r"geoscience and remote sensing symposium")),
    Venue("ISPRS Annals", "ISPRS Annals of the Photogrammetry, Remote Sensing and Spatial Information Sciences",
          "proceedings-article", (r"isprs annals",)),
]
BY_LABEL = {v.label.casefold(): v for v in VENUES}
PREPRINT_LABELS = {"arxiv", "preprint", "biorxiv", "ssrn"}
NOT_A_PAPER_LABELS = {"github", "gitlab", "website", "blog", "huggingface", "code"}


def from_label(label: str | None) -> Venue | None:
    """The venue a list label names (`NeurIPS` -> NeurIPS); None for Arxiv, Github, unknown."""
    return BY_LABEL.get((label or "").strip().casefold())


def is_preprint_label(label: str | None) -> bool:
    return (label or "").strip().casefold() in PREPRINT_LABELS


def is_not_a_paper_label(label: str | None) -> bool:
    return (label or "").strip().casefold() in NOT_A_PAPER_LABELS


def label_for(venue_name: str | None) -> str | None:
    """The list-style label of a canonical venue name ("IEEE Transactions on Geoscience..." -> TGRS)."""
    venue = _venue_of(venue_name)
    return venue.label if venue else None


PUBLISHERS = [(r"\bieee\b|institute of electrical and electronics", "IEEE"), (r"springer", "Springer"),
              (r"elsevier", "Elsevier"), (r"\bmdpi\b", "MDPI"), (r"copernicus", "Copernicus"),
              (r"\baaai\b|advancement of artificial intelligence", "AAAI")]


@functools.lru_cache(maxsize=4096)
def _venue_of(name: str | None) -> Venue | None:
    folded = (name or "").casefold()
    return next((v for v in VENUES if any(re.search(p, folded) for p in v.patterns)), None)


def canonical_name(name: str | None, iso4: bool = False) -> str | None:
    """One name per venue ("2021 IEEE/CVF ... (ICCV)" -> the ICCV name); unknown names unchanged.

    With `iso4`, journals of the table are given by their ISO 4 abbreviation.
    """
    venue = _venue_of(name)
    if venue is None:
        return name
    return (venue.iso4 if iso4 else None) or venue.name


@functools.lru_cache(maxsize=1024)
def short_publisher(name: str | None) -> str | None:
    """"Institute of Electrical and Electronics Engineers (IEEE)" -> "IEEE"; unknown unchanged."""
    folded = (name or "").casefold()
    return next((short for pattern, short in PUBLISHERS if re.search(pattern, folded)), name)
