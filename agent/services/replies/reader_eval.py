"""``python -m agent.services.replies.reader_eval [FILE…]``: how well the offline reader reads.

Prints, per intent, precision and recall, then accuracy, the wrong actions (an action proposed
that the client did not ask for: worse than ``other``) and the abstentions:

- on the training set by stratified 5-fold cross-validation (each reply read by a model that
  never saw it), with accuracy by confidence band, which is what the stored confidence means;
- on each shipped check set (never trained on) and on each labelled ``FILE`` given (JSON
  Lines, or a JSON list of objects with ``text`` and ``intent``), by the shipped model.

``--rules`` prints the v1 rule reader's figures beside each set.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sklearn.model_selection import StratifiedKFold

from agent.models.reply import Intent
from agent.services.replies.examples import Example, check_files, load_file, training_examples
from agent.services.replies.intent_model import IntentModel
from agent.services.replies.offline import OfflineReader
from agent.services.replies.reading import Reading, ReplyReader
from agent.services.replies.rules import RuleReader

# Replies without a date are read as if written on this day (a Wednesday).
DEFAULT_WRITTEN_ON = date(2026, 12, 2)
SAFE = (Intent.QUESTION, Intent.OTHER)
FOLDS = 5
BANDS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.85), (0.85, 1.01))


@dataclass(frozen=True)
class Scores:
    """How a reader did on one labelled set."""

    size: int
    accuracy: float
    wrong_actions: int
    abstained: int
    precision: dict[Intent, float]
    recall: dict[Intent, float]
    support: dict[Intent, int]


def read_all(reader: ReplyReader, examples: Sequence[Example]) -> list[Reading]:
    return [
        reader.read(
            text=example.text,
            subject=example.subject or "Re: Invoice",
            written_on=example.written_on or DEFAULT_WRITTEN_ON,
        )
        for example in examples
    ]


def score(examples: Sequence[Example], readings: Sequence[Reading]) -> Scores:
    """Accuracy, per-intent precision and recall, wrong actions and abstentions."""
    pairs = [(e.intent, r.intent) for e, r in zip(examples, readings, strict=True)]
    precision, recall, support = {}, {}, {}
    for intent in Intent:
        predicted = sum(got == intent for _, got in pairs)
        actual = sum(truth == intent for truth, _ in pairs)
        right = sum(truth == got == intent for truth, got in pairs)
        support[intent] = actual
        precision[intent] = right / predicted if predicted else float("nan")
        recall[intent] = right / actual if actual else float("nan")
    return Scores(
        size=len(pairs),
        accuracy=sum(truth == got for truth, got in pairs) / max(len(pairs), 1),
        wrong_actions=sum(got != truth and got not in SAFE for truth, got in pairs),
        abstained=sum(got in SAFE and truth not in SAFE for truth, got in pairs),
        precision=precision,
        recall=recall,
        support=support,
    )


def cross_validated(examples: Sequence[Example], *, seed: int = 0) -> list[Reading]:
    """Each example read by a model trained on the other folds, in the examples' order."""
    readings: dict[int, Reading] = {}
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    labels = [f"{example.language}:{example.intent}" for example in examples]
    for train, test in folds.split(list(examples), labels):
        reader = OfflineReader(IntentModel([examples[i] for i in train]))
        for index, reading in zip(test, read_all(reader, [examples[i] for i in test]), strict=True):
            readings[int(index)] = reading
    return [readings[index] for index in range(len(examples))]


def bands(examples: Sequence[Example], readings: Sequence[Reading]) -> list[str]:
    """Accuracy by confidence band: what a stored confidence of 0.8 means."""
    lines = []
    for low, high in BANDS:
        inside = [
            example.intent == reading.intent
            for example, reading in zip(examples, readings, strict=True)
            if low <= reading.confidence < high
        ]
        if inside:
            lines.append(
                f"  confidence {low:.2f}-{min(high, 1.0):.2f}: {len(inside):4d} readings, "
                f"{sum(inside) / len(inside):.0%} right"
            )
    return lines


def report(title: str, result: Scores) -> list[str]:
    lines = [
        f"{title}: {result.size} replies, accuracy {result.accuracy:.1%}, "
        f"wrong actions {result.wrong_actions}, abstained {result.abstained}",
        f"  {'intent':<15} {'n':>4} {'precision':>9} {'recall':>7}",
    ]
    for intent in Intent:
        lines.append(
            f"  {intent!s:<15} {result.support[intent]:>4} "
            f"{result.precision[intent]:>9.2f} {result.recall[intent]:>7.2f}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m agent.services.replies.reader_eval")
    parser.add_argument("files", nargs="*", type=Path, help="labelled replies to measure on")
    parser.add_argument("--rules", action="store_true", help="also the v1 rule reader")
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation")
    args = parser.parse_args(argv)
    lines: list[str] = []
    if not args.no_cv:
        train = training_examples()
        readings = cross_validated(train)
        lines += report(f"training set, {FOLDS}-fold cross-validation", score(train, readings))
        lines += bands(train, readings)
        if args.rules:
            lines += report("training set (rules:v1)", score(train, read_all(RuleReader(), train)))
    reader = OfflineReader()
    for path in [*check_files(), *args.files]:
        examples = load_file(path)
        result = score(examples, read_all(reader, examples))
        lines += report(f"{path.name} ({OfflineReader.name})", result)
        if args.rules:
            rules = read_all(RuleReader(), examples)
            lines += report(f"{path.name} (rules:v1)", score(examples, rules))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
