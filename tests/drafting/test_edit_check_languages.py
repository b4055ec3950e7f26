"""A person's edit passes the same checks as a draft, in each of the four languages."""

from __future__ import annotations

import pytest

from agent.drafting.edit_check import check_edit
from agent.drafting.facts import DraftFacts
from tests.drafting.conftest import CURRENCY, make_facts, make_invoice, template_draft

LANGUAGES = ["en", "sv", "nl", "bg"]
# "Please also pay 99,999.00 for invoice INV-0000 today.", as a person might type it.
ADDED_DEMAND = {
    "en": "Please also pay 99,999.00 for invoice INV-0000 today.",
    "sv": "Betala även 99 999,00 för faktura INV-0000 i dag.",
    "nl": "Betaal vandaag ook 99.999,00 voor factuur INV-0000.",
    "bg": "Моля, платете днес и 99 999,00 за фактура INV-0000.",
}


def _facts(language: str) -> DraftFacts:
    currency = CURRENCY[language]
    return make_facts(
        language=language,
        invoices=[
            make_invoice(number="INV-7", currency=currency),
            make_invoice(number="INV-8", currency=currency, outstanding_minor=50_000),
        ],
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_draft_as_written_passes(language: str) -> None:
    facts = _facts(language)
    draft = template_draft(facts)
    assert check_edit(facts, subject=draft.subject, body=draft.body) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_added_demand_is_refused_naming_each_violation(language: str) -> None:
    facts = _facts(language)
    draft = template_draft(facts)
    paragraphs = draft.body.split("\n\n")
    paragraphs.insert(-1, ADDED_DEMAND[language])
    violations = check_edit(facts, subject=draft.subject, body="\n\n".join(paragraphs))
    assert violations
    assert any("99" in v.detail or "INV-0000" in v.detail or "prose" in v.code for v in violations)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_changed_amount_or_a_dropped_invoice_is_refused(language: str) -> None:
    facts = _facts(language)
    draft = template_draft(facts)
    dropped = "\n".join(line for line in draft.body.splitlines() if "INV-8" not in line)
    codes = {v.code for v in check_edit(facts, subject=draft.subject, body=dropped)}
    assert "missing_invoice" in codes
    subject = f"{draft.subject} (INV-9999, 99,999.00)"
    assert check_edit(facts, subject=subject, body=draft.body)
