"""The offline reader on 120 realistic replies written by another engineer and never seen while
the reader was built (``replies_heldout.json``, a copy of ``/work/data/replies_heldout.json``).

Measured once, after the reader was final: 88.3 % right (106 of 120), 8 wrong actions, 6
abstentions. The assertions hold that figure with a small margin, so a change that reads these
replies worse fails here; a change tuned on them would no longer make this an honest figure.
"""

from __future__ import annotations

from pathlib import Path

from agent.services.replies.examples import load_file
from agent.services.replies.offline import OfflineReader
from agent.services.replies.reader_eval import read_all, score

HELD_OUT = Path(__file__).resolve().parent / "replies_heldout.json"
MEASURED_ACCURACY = 106 / 120
MEASURED_WRONG_ACTIONS = 8
MARGIN = 0.03


def test_the_reader_reads_the_held_out_replies_as_well_as_when_measured() -> None:
    examples = load_file(HELD_OUT)
    result = score(examples, read_all(OfflineReader(), examples))
    assert len(examples) == 120
    assert result.accuracy >= MEASURED_ACCURACY - MARGIN
    assert result.wrong_actions <= MEASURED_WRONG_ACTIONS + 2
