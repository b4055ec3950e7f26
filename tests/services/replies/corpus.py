"""The labelled replies the v1 rules were measured on, shipped in ``reader_data/checks/`` so that
``python -m agent.services.replies.reader_eval`` measures them too: (language, text, intent)."""

from __future__ import annotations

from agent.models.reply import Intent
from agent.services.replies.examples import CHECKS_DIR, load_file


def _cases(name: str) -> list[tuple[str, str, str]]:
    return [(e.language, e.text, str(e.intent)) for e in load_file(CHECKS_DIR / f"{name}.jsonl")]


# The replies the rules were written against.
CORPUS = _cases("rules_written_against")
# Held out from the first rules, then used to generalise them.
HELD_OUT = _cases("rules_held_out")
# Written after both sets above shaped the rules, and tuned on by neither reader.
UNSEEN = _cases("unseen")

# Replies and the facts either reader must read from them, written on Wednesday 2 December 2026.
FACT_CASES: list[tuple[str, Intent, dict[str, object]]] = [
    ("We paid on Friday, reference 4471.", Intent.CLAIMS_PAID,
     {"date": "2026-11-27", "reference": "4471"}),
    ("We will pay on Friday.", Intent.PROMISE_TO_PAY, {"date": "2026-12-04"}),
    ("We will pay on 15 January.", Intent.PROMISE_TO_PAY, {"date": "2027-01-15"}),
    ("Vi betalar den 20 december, 1 234,50 kr.", Intent.PROMISE_TO_PAY,
     {"date": "2026-12-20", "amount_minor": 123450, "currency": "SEK"}),
    ("Wij hebben op 28-11 €1.234,50 overgemaakt.", Intent.CLAIMS_PAID,
     {"date": "2026-11-28", "amount_minor": 123450, "currency": "EUR"}),
    ("Платихме вчера 300 лв.", Intent.CLAIMS_PAID,
     {"date": "2026-12-01", "amount_minor": 30000, "currency": "BGN"}),
    ("Ще платим до края на месеца.", Intent.PROMISE_TO_PAY, {"date": "2026-12-31"}),
    ("Out of office: back on 5 January.", Intent.AUTO_REPLY, {"return_date": "2027-01-05"}),
    ("Die uren zijn niet afgesproken.", Intent.DISPUTE,
     {"reason": "Die uren zijn niet afgesproken."}),
]  # fmt: skip
