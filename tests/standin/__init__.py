"""Offline stand-in of the arXiv API and the Crossref REST API (test support, not shipped)."""

from .corpus import Corpus
from .server import Fault, StandIn

__all__ = ["Corpus", "Fault", "StandIn"]
