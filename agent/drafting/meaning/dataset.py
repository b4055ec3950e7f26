"""The labelled sentences the offline meaning and language classifiers learn from.

Written by the project and shipped in ``data/<language>.jsonl``: reminder prose a person would
sign (label ``ok``) and prose that must never reach a client, by what it does: ``change``
(cancelled, waived, reduced, paid, moved, disputed, no longer due), ``threat``, ``pressure``,
``redirect`` (pay or reply elsewhere), ``not_yet_due`` and ``total``. ``other.jsonl`` holds
text in languages paytrack does not write, for the language classifier.

``heldout/set_*/<language>.jsonl`` are never trained on: fresh sentences written after the
training data, each set before it was first measured (docs/safety.md says what each was used
for). Only ``evaluate`` reads them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
HELD_OUT_DIR = Path(__file__).resolve().parent / "heldout"
OK = "ok"
LABELS: tuple[str, ...] = (OK, "change", "threat", "pressure", "redirect", "not_yet_due", "total")


@dataclass(frozen=True)
class Example:
    text: str
    language: str
    label: str


def _read(directory: Path) -> tuple[Example, ...]:
    examples = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                examples.append(Example(row["text"], row["language"], row["label"]))
    return tuple(examples)


@lru_cache(maxsize=1)
def load_examples() -> tuple[Example, ...]:
    """Every shipped training example, in a stable order."""
    return _read(DATA_DIR)


def held_out_sets() -> dict[str, tuple[Example, ...]]:
    """The held-out sets by name (``set_a`` …): never part of the training data."""
    return {path.name: _read(path) for path in sorted(HELD_OUT_DIR.glob("set_*"))}


def template_examples() -> tuple[Example, ...]:
    """The project's own template prose, every tone and situation: ordinary text (``ok``)."""
    from agent.drafting.meaning.template_prose import all_template_sentences

    return tuple(Example(text, language, OK) for language, text in all_template_sentences())


@lru_cache(maxsize=1)
def training_examples() -> tuple[Example, ...]:
    """What the classifiers learn from: the shipped examples and the template prose."""
    return load_examples() + template_examples()
