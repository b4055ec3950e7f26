"""The labelled replies the v1 rules were measured on, shipped in ``reader_data/checks/`` so that
``python -m agent.services.replies.reader_eval`` measures them too: (language, text, intent)."""

from __future__ import annotations

from agent.services.replies.examples import CHECKS_DIR, load_file


def _cases(name: str) -> list[tuple[str, str, str]]:
    return [(e.language, e.text, str(e.intent)) for e in load_file(CHECKS_DIR / f"{name}.jsonl")]


# The replies the rules were written against.
CORPUS = _cases("rules_written_against")
# Held out from the first rules, then used to generalise them.
HELD_OUT = _cases("rules_held_out")
# Written after both sets above shaped the rules, and tuned on by neither reader.
UNSEEN = _cases("unseen")
