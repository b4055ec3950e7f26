"""The v1 rule reader (now the offline reader's signals and fact extractors) on the sets it was
written against, and the facts it reads from a reply."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from agent.models.reply import Intent
from agent.services.replies.rules import RuleReader
from tests.services.replies.corpus import CORPUS, FACT_CASES, HELD_OUT, UNSEEN

WRITTEN = date(2026, 12, 2)  # a Wednesday


def accuracy(cases: list[tuple[str, str, str]]) -> tuple[float, dict[str, float], list[str]]:
    """Share read right overall and by language, and the misreadings."""
    reader = RuleReader()
    right: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    wrong = []
    for language, text, intent in cases:
        got = reader.read(text=text, subject="Re: Invoice 2026-001", written_on=WRITTEN).intent
        seen[language] += 1
        right[language] += got == intent
        if got != intent:
            wrong.append(f"{language}: {text!r} read as {got!s}, not {intent}")
    return sum(right.values()) / len(cases), {k: right[k] / seen[k] for k in seen}, wrong


@pytest.mark.parametrize("name", ["CORPUS", "HELD_OUT"])
def test_the_offline_reader_gets_the_intent_right_on_the_realistic_sets(name: str) -> None:
    cases = {"CORPUS": CORPUS, "HELD_OUT": HELD_OUT}[name]
    overall, by_language, wrong = accuracy(cases)
    print(f"{name}: offline reader accuracy {overall:.0%} of {len(cases)}: {by_language}")
    assert overall >= 0.9, wrong
    assert min(by_language.values()) >= 0.8, wrong


def test_on_unseen_replies_the_reader_fails_safe() -> None:
    """Never tuned against: what it misses falls to other/question (a person acknowledges),
    never to another action such as a promise or a dispute."""
    overall, by_language, _wrong = accuracy(UNSEEN)
    print(f"UNSEEN: offline reader accuracy {overall:.0%} of {len(UNSEEN)}: {by_language}")
    assert overall >= 0.4
    reader = RuleReader()
    for _language, text, intent in UNSEEN:
        got = reader.read(text=text, subject="Re: Invoice", written_on=WRITTEN).intent
        assert got in (intent, Intent.OTHER, Intent.QUESTION), text


@pytest.mark.parametrize(
    ("text", "intent", "details"),
    [
        *FACT_CASES,
        ("Vi betalar 2026-12-20, 1 234,50 kr.", Intent.PROMISE_TO_PAY,
         {"date": "2026-12-20", "amount_minor": 123450, "currency": "SEK"}),
    ],
)  # fmt: skip
def test_facts_are_read_and_dates_normalised_against_the_message_date(
    text: str, intent: Intent, details: dict[str, object]
) -> None:
    reading = RuleReader().read(text=text, subject="Re: Invoice", written_on=WRITTEN)
    assert reading.intent == intent
    assert reading.details() == details
