"""``python -m agent.drafting.meaning [--cv]``: the offline meaning check's held-out figures."""

from __future__ import annotations

import sys

from agent.drafting.meaning.classifier import OK_THRESHOLD
from agent.drafting.meaning.evaluate import Evaluation, cross_validate, evaluate, evaluate_held_out

CV_THRESHOLDS = (0.5, 0.6, 0.7, 0.8)


def _line(name: str, result: Evaluation) -> str:
    return (
        f"{name:<34} {result.held_out:>4}  precision {result.precision:.2f}  "
        f"recall {result.recall:.2f}  false positives {result.false_positive_rate:.2f}"
    )


def main(argv: list[str]) -> None:
    split = evaluate()
    print(f"block threshold: P(ok) < {OK_THRESHOLD}")
    print(_line("random 30 % of the shipped data", split))
    for name, result in evaluate_held_out().items():
        print(_line(f"held-out {name}", result))
    print(f"language accuracy (random 30 %): {split.language_accuracy:.2f}")
    if "--cv" in argv:
        for threshold, result in cross_validate(CV_THRESHOLDS).items():
            print(_line(f"5-fold CV of training, P(ok) < {threshold}", result))


if __name__ == "__main__":
    main(sys.argv[1:])
