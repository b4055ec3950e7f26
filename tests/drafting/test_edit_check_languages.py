"""A person's edit passes the same guardrails as a draft, in every language."""

from __future__ import annotations

import pytest

from agent.drafting.edit_check import check_edit
from agent.drafting.facts import DraftFacts
from agent.drafting.guardrails import MISSING_INVOICE_NUMBER, GuardrailViolation
from agent.drafting.templates import TemplateDrafter
from tests.drafting.conftest import CURRENCY, make_facts, make_invoice

LANGUAGES = ["en", "sv", "nl", "bg"]


def _facts(language: str) -> DraftFacts:
    currency = CURRENCY[language]
    return make_facts(
        language=language,
        invoices=[
            make_invoice(number="INV-7", currency=currency),
            make_invoice(number="INV-8", currency=currency, outstanding_minor=50_000),
        ],
    )


def _codes(violations: list[GuardrailViolation]) -> set[str]:
    return {v.code for v in violations}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_drafted_text_passes_unchanged(language: str) -> None:
    facts = _facts(language)
    draft = TemplateDrafter().write(facts)
    assert check_edit(facts, subject=draft.subject, body=draft.body) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_added_demand_is_refused_naming_each_violation(language: str) -> None:
    facts = _facts(language)
    draft = TemplateDrafter().write(facts)
    body = draft.body + "\n\nPlease also pay 99,999.00 for invoice INV-0000 today."
    violations = check_edit(facts, subject=draft.subject, body=body)
    assert violations and all(v.detail for v in violations)
    assert any("99" in v.detail or "0000" in v.detail for v in violations), violations


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_multiplied_amount_is_refused(language: str) -> None:
    facts = _facts(language)
    draft = TemplateDrafter().write(facts)
    stated = facts.money(123_450, facts.invoices[0].currency)
    wrong = facts.money(1_234_500, facts.invoices[0].currency)
    assert stated in draft.body
    violations = check_edit(facts, subject=draft.subject, body=draft.body.replace(stated, wrong))
    assert violations


@pytest.mark.parametrize("language", LANGUAGES)
def test_dropping_a_listed_invoice_is_refused(language: str) -> None:
    facts = _facts(language)
    draft = TemplateDrafter().write(facts)
    body = "\n".join(line for line in draft.body.splitlines() if "INV-8" not in line)
    subject = draft.subject.replace("INV-8", "").strip(" ,")
    assert MISSING_INVOICE_NUMBER in _codes(check_edit(facts, subject=subject, body=body))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_link_or_a_threat_is_refused(language: str) -> None:
    facts = _facts(language)
    draft = TemplateDrafter().write(facts)
    for extra in ("Pay here: https://pay.evil.example/now", "Otherwise we will sue you in court."):
        assert check_edit(facts, subject=draft.subject, body=draft.body + "\n\n" + extra), extra


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_reworded_subject_without_facts_passes(language: str) -> None:
    facts = _facts(language)
    draft = TemplateDrafter().write(facts)
    assert check_edit(facts, subject="A friendly note from Ann", body=draft.body) == []
