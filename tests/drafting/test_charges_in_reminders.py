"""Claimed charges in a firm reminder: stated exactly, checked by the guardrails, per language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from agent.drafting.facts import ChargeFact, Consequence, DraftFacts, DraftOut, PaymentFact
from agent.drafting.guardrails import (
    MISSING_CHARGE,
    MISSING_PAYMENT_DETAILS,
    UNEXPECTED_NUMBER,
    WRONG_AMOUNT,
    check_draft,
)
from agent.models.draft import Tone
from agent.settings import Settings
from agent.tools.drafting import facts_for, payment_fact
from tests.drafting.conftest import CURRENCY, make_facts, make_invoice, template_draft

AS_OF = date(2024, 3, 19)


def claiming(language: str, *, invoices: int = 1) -> DraftFacts:
    currency = CURRENCY[language]
    listed = [
        make_invoice(number=f"INV-2024-004{i}", currency=currency, outstanding_minor=123_450 + i)
        for i in range(invoices)
    ]
    facts = make_facts(
        invoices=listed,
        language=language,
        tone=Tone.FIRM,
        allowed_consequence=Consequence.LATE_PAYMENT_INTEREST,
    )
    charges = [
        ChargeFact(
            number=invoice.number,
            currency=currency,
            rate_percent=Decimal("10.15"),
            interest_minor=4_817 + i,
            compensation_minor=4_000,
            reminder_fee_minor=6_000 if language == "sv" else 0,
        )
        for i, invoice in enumerate(listed)
    ]
    return facts.model_copy(update={"charges": charges, "charges_as_of": AS_OF})


@pytest.mark.parametrize("language", ["en", "sv", "nl", "bg"])
@pytest.mark.parametrize("invoices", [1, 2])
def test_the_template_states_every_claimed_amount_and_passes(language: str, invoices: int) -> None:
    facts = claiming(language, invoices=invoices)
    draft = template_draft(facts)
    assert check_draft(facts, draft) == []
    for charge in facts.charges:
        assert facts.money(charge.interest_minor, charge.currency) in draft.body
        assert facts.money(charge.compensation_minor, charge.currency) in draft.body
    assert ("6,00" in draft.body or "60,00" in draft.body) is (language == "sv")


def test_a_changed_or_missing_charge_is_refused() -> None:
    facts = claiming("en")
    draft = template_draft(facts)
    stated = facts.money(4_817, "GBP")
    changed = DraftOut(**(draft.model_dump() | {"body": draft.body.replace(stated, "£49.17")}))
    assert WRONG_AMOUNT in {v.code for v in check_draft(facts, changed)}
    lines = [line for line in draft.body.splitlines() if "£48.17" not in line]
    dropped = DraftOut(**(draft.model_dump() | {"body": "\n".join(lines)}))
    assert MISSING_CHARGE in {v.code for v in check_draft(facts, dropped)}
    other_rate = DraftOut(**(draft.model_dump() | {"body": draft.body.replace("10.15 %", "12 %")}))
    assert check_draft(facts, other_rate) != []


def context(policy: str, *, charges: dict[str, object] | None) -> dict[str, object]:
    return {
        "as_of": "2026-03-02",
        "client": {
            "name": "Handel BV",
            "language": "en",
            "country": "NL",
            "timezone": "Europe/Amsterdam",
            "reminder_consequence": None,
            "late_charges": policy,
        },
        "owner": {"name": "Olga Owner", "email": "olga@example.com"},
        "invoices": [
            {
                "number": "NL-1",
                "outstanding_minor": 300_000,
                "currency": "EUR",
                "due_date": "2026-01-31",
                "days_overdue": 30,
                "milestone": "overdue_14",
                "charges": charges,
            }
        ],
    }


PLAN = {"tone": "firm", "tone_reason": "14 days overdue", "language": "en"}
CHARGES = {
    "rate_percent": "10.15",
    "interest_minor": 3_059,
    "compensation_minor": 4_000,
    "reminder_fee_minor": 0,
}


@pytest.mark.parametrize(
    ("policy", "amounts", "mentions_interest"),
    [("claim", True, True), ("mention", False, True), ("off", False, False)],
)
def test_policy_decides_what_a_firm_reminder_says(
    policy: str, amounts: bool, mentions_interest: bool
) -> None:
    facts = facts_for(context(policy, charges=CHARGES if policy == "claim" else None), PLAN)
    draft = template_draft(facts)
    assert check_draft(facts, draft) == []
    stated = [facts.money(3_059, "EUR"), facts.money(4_000, "EUR")]
    assert all(amount in draft.body for amount in stated) is amounts
    assert any(amount in draft.body for amount in stated) is amounts
    assert ("interest" in draft.body.lower()) is mentions_interest


def test_no_claim_outside_a_firm_reminder() -> None:
    facts = facts_for(context("claim", charges=CHARGES), PLAN | {"tone": "friendly"})
    assert facts.charges == []
    draft = template_draft(facts)
    assert "interest" not in draft.body.lower()


PAYMENT = PaymentFact(
    payee="Example AB",
    iban="SE45 5000 0000 0583 9825 7466",
    bic="ESSESESS",
    bankgiro="5050-1055",
    references={"INV-2024-0040": "00004283"},
)


@pytest.mark.parametrize("language", ["en", "sv", "nl", "bg"])
def test_payment_details_are_stated_and_checked(language: str) -> None:
    facts = claiming(language).model_copy(update={"payment": PAYMENT})
    draft = template_draft(facts)
    assert check_draft(facts, draft) == []
    assert "SE45 5000 0000 0583 9825 7466" in draft.body and "00004283" in draft.body
    wrong_iban = draft.body.replace("9825 7466", "9825 7467")
    codes = {v.code for v in check_draft(facts, draft.model_copy(update={"body": wrong_iban}))}
    assert {MISSING_PAYMENT_DETAILS, UNEXPECTED_NUMBER} <= codes
    wrong_ocr = draft.body.replace("00004283", "00004284")
    codes = {v.code for v in check_draft(facts, draft.model_copy(update={"body": wrong_ocr}))}
    assert MISSING_PAYMENT_DETAILS in codes


def test_payment_fact_follows_the_settings() -> None:
    ctx = context("off", charges=None)
    ctx["invoices"][0]["invoice_id"] = 42  # type: ignore[index]
    assert payment_fact(ctx, Settings(payee_iban="")) is None
    rf = payment_fact(ctx, Settings(payee_iban="NL91 ABNA 0417 1643 00"))
    assert rf is not None and rf.references == {"NL-1": "RF24 NL1"}  # 98 - 2321 1 2715 00 mod 97
    sek = context("off", charges=None)
    sek["invoices"][0] |= {"invoice_id": 42, "currency": "SEK"}  # type: ignore[index]
    ocr = payment_fact(sek, Settings(payee_bankgiro="5050-1055"))
    assert ocr is not None and ocr.references == {"NL-1": "00004283"}
    plain = payment_fact(sek, Settings(payee_bankgiro="1", payment_reference="none"))
    assert plain is not None and plain.references == {}
