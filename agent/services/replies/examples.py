"""Labelled client replies: what the offline reader learns from and what it is measured on.

``reader_data/<language>.jsonl`` is the training set (en, sv, nl, bg; one JSON object a line:
``text``, ``language``, ``intent``). ``reader_data/checks/`` holds sets the reader never learns
from: the replies the v1 rules were written against, the ones used to generalise them, and 20
that neither the rules nor this reader were tuned on. Labelling conventions are in
``docs/replies.md`` ("Which intent wins").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from agent.errors import InvalidInput
from agent.models.reply import Intent

DATA_DIR = Path(__file__).resolve().parent / "reader_data"
CHECKS_DIR = DATA_DIR / "checks"


@dataclass(frozen=True)
class Example:
    """One reply a person labelled; ``written_on`` is the message date when the set gives one."""

    text: str
    intent: Intent
    language: str = ""
    subject: str = ""
    written_on: date | None = None


@lru_cache(maxsize=1)
def training_examples() -> tuple[Example, ...]:
    """The shipped training set, in a stable order."""
    return tuple(
        example for path in sorted(DATA_DIR.glob("*.jsonl")) for example in load_file(path)
    )


def check_files() -> list[Path]:
    """The shipped sets the reader is measured on and never trained on."""
    return sorted(CHECKS_DIR.glob("*.jsonl"))


def load_file(path: Path) -> list[Example]:
    """Labelled replies from a JSON Lines file, a JSON list, or a JSON object holding a list."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        rows: Any = [json.loads(line) for line in raw.splitlines() if line.strip()]
    else:
        rows = json.loads(raw)
    if isinstance(rows, dict):
        lists = [value for value in rows.values() if isinstance(value, list)]
        rows = lists[0] if len(lists) == 1 else None
    if not isinstance(rows, list):
        raise InvalidInput(f"{path}: expected a list of labelled replies")
    return [_example(row, path) for row in rows]


def _example(row: Any, path: Path) -> Example:
    if not isinstance(row, dict):
        raise InvalidInput(f"{path}: each labelled reply must be a JSON object")
    text = row.get("text", row.get("body"))
    label = row.get("intent", row.get("label"))
    try:
        intent = Intent(str(label))
    except ValueError as exc:
        raise InvalidInput(f"{path}: unknown intent {label!r}") from exc
    if not isinstance(text, str):
        raise InvalidInput(f"{path}: a labelled reply needs its text")
    day = row.get("written_on", row.get("message_date", row.get("date")))
    return Example(
        text=text,
        intent=intent,
        language=str(row.get("language", "")),
        subject=str(row.get("subject", "")),
        written_on=date.fromisoformat(str(day)[:10]) if day else None,
    )
