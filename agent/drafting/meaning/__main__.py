"""``python -m agent.drafting.meaning``: the offline meaning check's held-out figures."""

from __future__ import annotations

from agent.drafting.meaning.evaluate import evaluate


def main() -> None:
    result = evaluate()
    print(f"held-out sentences:  {result.held_out}")
    print(f"precision (blocked): {result.precision:.2f}")
    print(f"recall (harmful):    {result.recall:.2f}")
    print(f"false positive rate: {result.false_positive_rate:.2f}")
    print(f"language accuracy:   {result.language_accuracy:.2f}")


if __name__ == "__main__":
    main()
