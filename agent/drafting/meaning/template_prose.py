"""Every sentence the current templates can write, for the classifiers to learn as ordinary."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import product
from typing import get_args

from agent.drafting.facts import DraftFacts, InvoiceFact, Language
from agent.drafting.meaning.check import sentences
from agent.drafting.templates import TemplateDrafter
from agent.models.draft import Tone

_DAY = date(2024, 1, 1)


def _facts(
    language: Language, tone: Tone, days: list[int], promise: bool, contact: bool
) -> DraftFacts:
    invoices = [
        InvoiceFact(
            number=f"X-{i}",
            outstanding_minor=100,
            currency="EUR",
            due_date=_DAY - timedelta(days=day),
            days_overdue=day,
            milestone="pre_due" if day <= 0 else "overdue_1",
        )
        for i, day in enumerate(days)
    ]
    return DraftFacts(
        client_name="Client",
        contact_name="Anna" if contact else None,
        language=language,
        invoices=invoices,
        tone=tone,
        tone_reason="",
        broken_promise_date=_DAY if promise else None,
        owner_name="Owner",
        signature="Owner",
    )


def all_template_sentences() -> list[tuple[str, str]]:
    drafter = TemplateDrafter()
    found: dict[tuple[str, str], None] = {}
    situations = ([5], [-3], [5, 9], [-3, -5], [5, -3], [5, 9, -3, -4])
    for language, tone, days, promise, contact in product(
        get_args(Language), Tone, situations, (False, True), (False, True)
    ):
        prose = drafter.write(_facts(language, tone, days, promise, contact))
        for sentence in sentences(prose.fields()):
            found[(language, sentence)] = None
    return list(found)
