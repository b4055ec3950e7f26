"""Precision and recall of the offline classifiers on a held-out part of the shipped data."""

from __future__ import annotations

from dataclasses import dataclass

from sklearn.model_selection import train_test_split

from agent.drafting.meaning.classifier import LanguageClassifier, SentenceClassifier
from agent.drafting.meaning.dataset import OK, load_examples, template_examples

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
    examples = [example for example in load_examples() if example.language != "other"]
    others = [example for example in load_examples() if example.language == "other"]
    train, test = train_test_split(
        examples,
        test_size=HELD_OUT_SHARE,
        random_state=seed,
        stratify=[f"{e.language}:{e.label == OK}" for e in examples],
    )
    train = [*train, *template_examples()]
    readings = SentenceClassifier(train).read([example.text for example in test])
    blocked = [reading.label != OK for reading in readings]
    harmful = [example.label != OK for example in test]
    true_positive = sum(b and h for b, h in zip(blocked, harmful, strict=True))
    false_positive = sum(b and not h for b, h in zip(blocked, harmful, strict=True))
    languages = LanguageClassifier([*train, *others]).detect([example.text for example in test])
    return Evaluation(
        held_out=len(test),
        precision=true_positive / max(sum(blocked), 1),
        recall=true_positive / max(sum(harmful), 1),
        false_positive_rate=false_positive / max(len(harmful) - sum(harmful), 1),
        language_accuracy=sum(
            found == example.language for found, example in zip(languages, test, strict=True)
        )
        / len(test),
    )
