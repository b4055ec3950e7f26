"""Offline classifiers trained on the shipped examples: what a sentence does, and its language.

Character n-grams carry across inflections and the four languages; word n-grams carry the
phrasing; the concept lexicons (``lexicon.py``) carry a meaning to wordings no example has.
Both models are small and fit in well under a second, so they are trained on first
use from the shipped data rather than stored as pickles nobody can review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline

from agent.drafting.meaning.dataset import OK, Example, training_examples
from agent.drafting.meaning.lexicon import ConceptFeatures

# A sentence is blocked unless the model is this sure it is ordinary reminder prose: a false
# alarm costs a template draft, a miss a wrong e-mail. Chosen by cross-validation on the
# shipped training data only (``python -m agent.drafting.meaning --cv``), never on held-out text.
OK_THRESHOLD = 0.6
# The concepts' weight beside the n-grams: at full weight the model learned "no concept word
# means ordinary" and missed reworded harm; a third keeps them a hint (docs/safety.md).
CONCEPT_WEIGHT = 0.3


@dataclass(frozen=True)
class Reading:
    label: str
    confidence: float


def _pipeline(*, words: bool) -> Pipeline:
    features: list[tuple[str, object]] = [
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True))
    ]
    weights = {}
    if words:
        features.append(("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)))
        features.append(("concepts", ConceptFeatures()))
        weights["concepts"] = CONCEPT_WEIGHT
    return make_pipeline(
        FeatureUnion(features, transformer_weights=weights or None),
        # Logistic loss by SGD: probabilities like LogisticRegression, a twentieth of the fit time.
        SGDClassifier(
            loss="log_loss",
            alpha=1e-4,
            class_weight="balanced",
            max_iter=50,
            tol=None,
            random_state=0,
        ),
    )


class SentenceClassifier:
    """What a sentence of reminder prose does: ``ok`` or the kind of harm it would do."""

    def __init__(self, examples: Sequence[Example]) -> None:
        rows = [example for example in examples if example.language != "other"]
        self._model = _pipeline(words=True).fit(
            [row.text for row in rows], [row.label for row in rows]
        )
        self._labels = list(self._model.classes_)

    def ok_probabilities(self, sentences: Sequence[str]) -> list[float]:
        """How sure the model is that each sentence is ordinary reminder prose."""
        column = self._labels.index(OK)
        return [float(row[column]) for row in self._model.predict_proba(list(sentences))]

    def read(self, sentences: Sequence[str]) -> list[Reading]:
        readings = []
        for probabilities in self._model.predict_proba(list(sentences)):
            by_label = dict(zip(self._labels, probabilities, strict=True))
            if by_label[OK] >= OK_THRESHOLD:
                readings.append(Reading(OK, float(by_label[OK])))
                continue
            label = max((name for name in by_label if name != OK), key=by_label.__getitem__)
            readings.append(Reading(label, float(by_label[label])))
        return readings


class LanguageClassifier:
    """Which of en, sv, nl, bg (or ``other``) a sentence is written in."""

    def __init__(self, examples: Sequence[Example]) -> None:
        self._model = _pipeline(words=False).fit(
            [row.text for row in examples], [row.language for row in examples]
        )

    def detect(self, sentences: Sequence[str]) -> list[str]:
        return [str(label) for label in self._model.predict(list(sentences))]


@lru_cache(maxsize=1)
def sentence_classifier() -> SentenceClassifier:
    return SentenceClassifier(training_examples())


@lru_cache(maxsize=1)
def language_classifier() -> LanguageClassifier:
    return LanguageClassifier(training_examples())
