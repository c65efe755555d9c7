"""Venue labels of awesome lists ("TGRS2022", "NeurIPS2023") and the venues they stand for."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Venue:
    label: str  # as the list writes it
    name: str  # full name, as in a bibliography
    type: str  # journal-article or proceedings-article
    patterns: tuple[str, ...] = ()  # regexes a canonical venue name matches


VENUES = [
    Venue("TGRS", "IEEE Transactions on Geoscience and Remote Sensing", "journal-article",
          (r"transactions on geoscience and remote sensing",)),
    Venue("JSTARS", "IEEE Journal of Selected Topics in Applied Earth Observations and Remote Sensing",
          "journal-article", (r"selected topics in applied earth observations",)),
    Venue("GRSM", "IEEE Geoscience and Remote Sensing Magazine", "journal-article",
          (r"geoscience and remote sensing magazine",)),
    Venue("GRSL", "IEEE Geoscience and Remote Sensing Letters", "journal-article",
          (r"geoscience and remote sensing letters",)),
    Venue("TPAMI", "IEEE Transactions on Pattern Analysis and Machine Intelligence",
          "journal-article", (r"pattern analysis and machine intelligence",)),
    Venue("ISPRS", "ISPRS Journal of Photogrammetry and Remote Sensing", "journal-article",
          (r"isprs journal of photogrammetry",)),
    Venue("JAG", "International Journal of Applied Earth Observation and Geoinformation",
          "journal-article", (r"applied earth observation and geoinformation",)),
    Venue("RSE", "Remote Sensing of Environment", "journal-article", (r"^remote sensing of environment",)),
    Venue("RS", "Remote Sensing", "journal-article", (r"^remote sensing$",)),
    Venue("ESSD", "Earth System Science Data", "journal-article", (r"earth system science data",)),
    Venue("CVPRW", "IEEE/CVF Conference on Computer Vision and Pattern Recognition Workshops",
          "proceedings-article", (r"(cvpr|computer vision and pattern recognition).*workshop",)),
    Venue("CVPR", "IEEE/CVF Conference on Computer Vision and Pattern Recognition",
          "proceedings-article", (r"\bcvpr\b", r"conference on computer vision and pattern recognition")),
    Venue("ICCV", "IEEE/CVF International Conference on Computer Vision", "proceedings-article",
          (r"\biccv\b", r"international conference on computer vision")),
    Venue("ECCV", "European Conference on Computer Vision", "proceedings-article",
          (r"\beccv\b", r"european conference on computer vision")),
    Venue("NeurIPSW", "NeurIPS Workshops", "proceedings-article", ()),
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
    name = (venue_name or "").casefold()
    for venue in VENUES:
        if any(re.search(p, name) for p in venue.patterns):
            return venue.label
    return None
