"""The offline intent classifier: what a reply asks of us, learnt from the shipped examples.

Character n-grams of the folded text carry across inflections, typos, missing diacritics and
the two scripts of Bulgarian; word n-grams carry phrasing and negation ("not paid", "inte
betalat"); the rules' phrases, stems and verdict come in as features of their own, so the
model learns how far to trust them. It fits in a few seconds of CPU (about 7 on the shared
build machine), so it is trained once a process on first use, deterministically, from
``reader_data/`` rather than shipped as a pickle nobody can review.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline

from agent.models.reply import Intent
from agent.services.replies.examples import Example, training_examples
from agent.services.replies.folding import fold, written_part
from agent.services.replies.rules import signals

# How much the rules' signals weigh beside the text's n-grams (each block is L2-normalised).
SIGNAL_WEIGHT = 0.3


def _pipeline() -> Pipeline:
    return make_pipeline(
        FeatureUnion(
            [
                ("chars", TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, preprocessor=fold,
                    min_df=2,
                )),
                ("words", TfidfVectorizer(
                    ngram_range=(1, 2), sublinear_tf=True, preprocessor=fold,
                )),
                ("rules", CountVectorizer(analyzer=signals, binary=True)),
            ],
            transformer_weights={"chars": 1.0, "words": 1.0, "rules": SIGNAL_WEIGHT},
        ),
        LogisticRegression(C=30.0, class_weight="balanced", max_iter=2000),
    )  # fmt: skip


class IntentModel:
    """Probabilities of each intent for a reply's text (signature and disclaimer cut off)."""

    def __init__(self, examples: Sequence[Example]) -> None:
        self._model = _pipeline().fit(
            [written_part(example.text) for example in examples],
            [str(example.intent) for example in examples],
        )
        self._intents = [Intent(label) for label in self._model.classes_]

    def probabilities(self, texts: Sequence[str]) -> list[dict[Intent, float]]:
        rows = self._model.predict_proba([written_part(text) for text in texts])
        return [
            {intent: float(p) for intent, p in zip(self._intents, row, strict=True)} for row in rows
        ]


@lru_cache(maxsize=1)
def intent_model() -> IntentModel:
    """The model trained on the shipped examples (once per process)."""
    return IntentModel(training_examples())
