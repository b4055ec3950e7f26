"""Concept lexicons: word stems in en, sv, nl and bg grouped by what they signal in a reminder.

The lists live in ``lexicon.json``; a stem ending in a space must be a whole word.

The n-gram features learn phrasing; a sentence worded differently from every training example
still shares its concept words ("bailiff", "kronofogden", "deurwaarder", "съдебен изпълнител"
all mean enforcement). Each concept becomes one feature: does a stem of it start a word here.
The classifier learns how much each concept counts; the lists decide nothing on their own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

LEXICON_PATH = Path(__file__).resolve().parent / "lexicon.json"


def _pattern(stems: Iterable[str]) -> re.Pattern[str]:
    """A stem starts a word; one ending in a space ("час ") must be the whole word."""
    alternatives = "|".join(
        re.escape(stem.rstrip()) + (r"(?!\w)" if stem.endswith(" ") else "")
        for stem in sorted(stems, key=len, reverse=True)
    )
    return re.compile(rf"(?<!\w)(?:{alternatives})", re.IGNORECASE)


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    concepts: dict[str, list[str]] = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
    return {concept: _pattern(stems) for concept, stems in concepts.items()}


def concepts_in(text: str) -> list[str]:
    """The concepts a stem of which starts a word of ``text``."""
    return [concept for concept, pattern in _patterns().items() if pattern.search(text)]


class ConceptFeatures(BaseEstimator, TransformerMixin):
    """One binary column per concept; stateless, so ``fit`` learns nothing."""

    def fit(self, texts: Iterable[str], labels: object = None) -> ConceptFeatures:
        return self

    def transform(self, texts: Iterable[str]) -> np.ndarray:
        patterns = list(_patterns().values())
        rows = [[float(bool(p.search(text))) for p in patterns] for text in texts]
        return np.array(rows, dtype=float).reshape(len(rows), len(patterns))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array([f"concept_{name}" for name in _patterns()], dtype=object)
