"""Precision and recall of the offline classifiers on text they were not trained on.

Two kinds of figure: a random part of the shipped training data held out (the shipped data is
written in families of similar sentences, so this flatters), and the held-out sets written apart
from it (``heldout/``), scored by a model trained on all of the shipped data. ``cross_validate``
is what the block threshold was chosen with: folds of the training data only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedKFold, train_test_split

from agent.drafting.meaning.classifier import LanguageClassifier, SentenceClassifier
from agent.drafting.meaning.dataset import (
    OK,
    Example,
    held_out_sets,
    load_examples,
    template_examples,
    training_examples,
)

HELD_OUT_SHARE = 0.3


@dataclass(frozen=True)
class Evaluation:
    """Blocking is the positive class: precision = blocked and harmful / blocked."""

    held_out: int
    precision: float
    recall: float
    false_positive_rate: float
    language_accuracy: float


def evaluate(*, seed: int = 0) -> Evaluation:
    """A random, stratified share of the shipped sentences held out; the rest trains."""
    examples = _sentences(load_examples())
    others = [example for example in load_examples() if example.language == "other"]
    train, test = train_test_split(
        examples,
        test_size=HELD_OUT_SHARE,
        random_state=seed,
        stratify=[f"{e.language}:{e.label == OK}" for e in examples],
    )
    train = [*train, *template_examples()]
    return _score(SentenceClassifier(train), LanguageClassifier([*train, *others]), test)


def evaluate_held_out() -> dict[str, Evaluation]:
    """Each held-out set, scored by the classifiers as shipped (trained on all the data)."""
    sentences = SentenceClassifier(training_examples())
    languages = LanguageClassifier(training_examples())
    return {name: _score(sentences, languages, rows) for name, rows in held_out_sets().items()}


def cross_validate(
    thresholds: Sequence[float], *, folds: int = 5, seed: int = 0
) -> dict[float, Evaluation]:
    """Figures per block threshold over ``folds`` folds of the shipped training data."""
    examples = _sentences(load_examples())
    strata = [f"{e.language}:{e.label == OK}" for e in examples]
    harmful = np.array([e.label != OK for e in examples])
    ok_probability = np.zeros(len(examples))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(
        examples, strata
    ):
        model = SentenceClassifier([*(examples[i] for i in train), *template_examples()])
        ok_probability[test] = model.ok_probabilities([examples[i].text for i in test])
    return {
        threshold: _figures(ok_probability < threshold, harmful, language_accuracy=float("nan"))
        for threshold in thresholds
    }


def _sentences(examples: Sequence[Example]) -> list[Example]:
    return [example for example in examples if example.language != "other"]


def _score(
    sentences: SentenceClassifier, languages: LanguageClassifier, test: Sequence[Example]
) -> Evaluation:
    texts = [example.text for example in test]
    blocked = np.array([reading.label != OK for reading in sentences.read(texts)])
    harmful = np.array([example.label != OK for example in test])
    found = languages.detect(texts)
    accuracy = sum(f == e.language for f, e in zip(found, test, strict=True)) / len(test)
    return _figures(blocked, harmful, language_accuracy=accuracy)


def _figures(blocked: np.ndarray, harmful: np.ndarray, *, language_accuracy: float) -> Evaluation:
    true_positive = int((blocked & harmful).sum())
    false_positive = int((blocked & ~harmful).sum())
    return Evaluation(
        held_out=len(harmful),
        precision=true_positive / max(int(blocked.sum()), 1),
        recall=true_positive / max(int(harmful.sum()), 1),
        false_positive_rate=false_positive / max(int((~harmful).sum()), 1),
        language_accuracy=language_accuracy,
    )
