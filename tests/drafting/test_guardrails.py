from __future__ import annotations

from datetime import date

import pytest

from agent.drafting.facts import Consequence, DraftFacts, DraftOut
from agent.drafting.guardrails import (
    CONSEQUENCE_NOT_ALLOWED,
    CONTRADICTS_FACTS,
    MISMATCHED_LINE,
    MISSING_AMOUNT,
    MISSING_DUE_DATE,
    MISSING_INVOICE_NUMBER,
    MISSING_PROMISE_DATE,
    MISSING_TOTAL,
    PLACEHOLDER,
    TOO_LONG,
    UNEXPECTED_LINK,
    UNEXPECTED_NUMBER,
    UNKNOWN_DATE,
    UNKNOWN_INVOICE_NUMBER,
    WRONG_AMOUNT,
    WRONG_LANGUAGE,
    WRONG_TONE,
    check_draft,
)
from agent.models.draft import Tone
from tests.drafting.conftest import make_facts, make_invoice, template_draft


def _draft(facts: DraftFacts, body: str, subject: str = "Invoice INV-2024-0042") -> DraftOut:
    signature = "\n\nKind regards,\nAnn Smith"
    return DraftOut(
        subject=subject, body=body + signature, tone=facts.tone, language=facts.language
    )


def _codes(facts: DraftFacts, draft: DraftOut) -> set[str]:
    return {violation.code for violation in check_draft(facts, draft)}


ONE = (
    "Dear Acme Trading Ltd,\n\n"
    "Invoice INV-2024-0042 for {amount}, due on {due}, is {days} days overdue."
)


@pytest.mark.parametrize(
    ("language", "currency", "amount", "due"),
    [
        ("nl", "EUR", "€ 1.234,50", "5 maart 2024"),
        ("nl", "EUR", "EUR 1234,50", "05-03-2024"),
        ("sv", "SEK", "1 234,50 kr", "5 mars 2024"),
        ("sv", "SEK", "1234,50 SEK", "2024-03-05"),
        ("en", "USD", "$1,234.50", "March 5, 2024"),
        ("en", "GBP", "1,234.50 GBP", "5 Mar 2024"),
        ("bg", "BGN", "1 234,50 лв.", "5 март 2024 г."),
        ("bg", "BGN", "1234,50 лв", "5.03.2024 г."),
        ("en", "EUR", "€1,234.5", "5 March"),
        # Written in another case than the locale's own forms.
        ("en", "USD", "$1,234.50", "MARCH 5, 2024"),
        ("nl", "EUR", "€ 1.234,50", "5 Maart 2024"),
        ("bg", "BGN", "1 234,50 лв.", "5 МАРТ 2024 Г."),
    ],
)
def test_locale_forms_of_the_right_facts_pass(
    language: str, currency: str, amount: str, due: str
) -> None:
    facts = make_facts(language=language, invoices=[make_invoice(currency=currency)])
    body = ONE.format(amount=amount, due=due, days=14)
    if language == "bg":
        body += " Моля, платете."
    assert check_draft(facts, _draft(facts, body)) == []


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("€1,234.00", WRONG_AMOUNT),
        ("€ 1.243,50", WRONG_AMOUNT),
        ("$1,234.50", WRONG_AMOUNT),
        ("1 234,50 kr", WRONG_AMOUNT),
        ("€12,345.00", WRONG_AMOUNT),
    ],
)
def test_a_wrong_amount_or_currency_is_caught(amount: str, code: str) -> None:
    facts = make_facts()
    codes = _codes(facts, _draft(facts, ONE.format(amount=amount, due="5 March 2024", days=14)))
    assert {code, MISSING_AMOUNT} <= codes


def test_an_extra_amount_is_caught_even_beside_the_right_one() -> None:
    facts = make_facts()
    body = ONE.format(amount="€1,234.50", due="5 March 2024", days=14)
    assert WRONG_AMOUNT in _codes(facts, _draft(facts, body + " A fee of €25.00 applies."))
    assert UNEXPECTED_NUMBER in _codes(facts, _draft(facts, body + " Pay 500 now."))


def test_unknown_invoice_numbers_and_missing_facts_are_caught() -> None:
    facts = make_facts()
    good = ONE.format(amount="€1,234.50", due="5 March 2024", days=14)
    assert UNKNOWN_INVOICE_NUMBER in _codes(facts, _draft(facts, good + " See also INV-2024-0043."))
    assert UNKNOWN_INVOICE_NUMBER in _codes(facts, _draft(facts, good + " Ref #9981."))
    missing = _codes(facts, _draft(facts, "Dear client, please pay what you owe us soon.", "Hi"))
    assert {MISSING_INVOICE_NUMBER, MISSING_AMOUNT, MISSING_DUE_DATE} <= missing


def test_a_wrong_date_or_day_count_is_caught() -> None:
    facts = make_facts()
    wrong_date = ONE.format(amount="€1,234.50", due="6 March 2024", days=14)
    assert {UNEXPECTED_NUMBER, MISSING_DUE_DATE} <= _codes(facts, _draft(facts, wrong_date))
    numeric = ONE.format(amount="€1,234.50", due="5 March 2024", days=14) + " Pay by 06.03.2024."
    assert UNKNOWN_DATE in _codes(facts, _draft(facts, numeric))
    wrong_days = ONE.format(amount="€1,234.50", due="5 March 2024", days=12)
    assert UNEXPECTED_NUMBER in _codes(facts, _draft(facts, wrong_days))


def test_amounts_swapped_between_listed_invoices_are_caught() -> None:
    invoices = [
        make_invoice(number="A-1", outstanding_minor=10_000),
        make_invoice(number="A-2", outstanding_minor=20_000, due_date=date(2024, 3, 6)),
    ]
    facts = make_facts(invoices=invoices)
    listing = (
        "Dear Acme Trading Ltd,\n\n- A-1: €{a1}, due {d1} (14 days overdue)\n"
        "- A-2: €{a2}, due {d2} (14 days overdue)\n\nTotal outstanding: €300.00"
    )
    right = listing.format(a1="100.00", a2="200.00", d1="5 March 2024", d2="6 March 2024")
    assert check_draft(facts, _draft(facts, right, "Two invoices")) == []
    swapped = listing.format(a1="200.00", a2="100.00", d1="5 March 2024", d2="6 March 2024")
    assert MISMATCHED_LINE in _codes(facts, _draft(facts, swapped, "Two invoices"))
    dates = listing.format(a1="100.00", a2="200.00", d1="6 March 2024", d2="5 March 2024")
    assert MISMATCHED_LINE in _codes(facts, _draft(facts, dates, "Two invoices"))
    no_total = right.replace("\n\nTotal outstanding: €300.00", "")
    assert MISSING_TOTAL in _codes(facts, _draft(facts, no_total, "Two invoices"))


GOOD = ONE.format(amount="€1,234.50", due="5 March 2024", days=14)


@pytest.mark.parametrize(
    "threat",
    [
        "Otherwise we will take legal action.",
        "We will charge late payment interest.",
        "Att betala annars går ärendet till inkasso.",
        "Anders schakelen wij een incassobureau in.",
        "В противен случай ще заведем съдебно дело.",
        "We will suspend all deliveries.",
    ],
)
def test_threats_are_refused_unless_firm_and_allowed(threat: str) -> None:
    facts = make_facts(tone=Tone.FORMAL, allowed_consequence=Consequence.LEGAL_ACTION)
    assert CONSEQUENCE_NOT_ALLOWED in _codes(facts, _draft(facts, f"{GOOD} {threat}"))


def test_firm_reminder_may_name_exactly_the_allowed_consequence() -> None:
    facts = make_facts(tone=Tone.FIRM, allowed_consequence=Consequence.LATE_PAYMENT_INTEREST)
    interest = f"{GOOD} If payment is not received, we will charge late payment interest."
    assert check_draft(facts, _draft(facts, interest)) == []
    both = f"{interest} We will also refer the matter to a collection agency."
    assert CONSEQUENCE_NOT_ALLOWED in _codes(facts, _draft(facts, both))


@pytest.mark.parametrize(
    "claim",
    [
        "The invoice is cancelled.",
        "You no longer need to pay this invoice.",
        "We have granted a discount.",
        "Fakturan är makulerad.",
        "De factuur is geannuleerd.",
        "Фактурата е анулирана.",
        "The invoice is can\u200bcelled.",
    ],
)
def test_claims_that_change_the_facts_are_caught(claim: str) -> None:
    facts = make_facts()
    assert CONTRADICTS_FACTS in _codes(facts, _draft(facts, f"{GOOD} {claim}"))


def test_links_placeholders_length_tone_and_language() -> None:
    facts = make_facts()
    assert UNEXPECTED_LINK in _codes(
        facts, _draft(facts, f"{GOOD} Pay at https://pay.evil.example")
    )
    assert PLACEHOLDER in _codes(facts, _draft(facts, f"{GOOD} Regards, [Your Name]"))
    assert TOO_LONG in _codes(facts, _draft(facts, GOOD + " Thanks." * 400))
    assert TOO_LONG in _codes(facts, _draft(facts, GOOD, subject="Invoice " * 30))
    wrong = DraftOut(subject="x", body=GOOD, tone=Tone.FRIENDLY, language="sv")
    assert {WRONG_TONE, WRONG_LANGUAGE} <= _codes(facts, wrong)
    bulgarian = make_facts(language="bg")
    latin = DraftOut(subject="x", body=GOOD, tone=bulgarian.tone, language="bg")
    assert WRONG_LANGUAGE in _codes(bulgarian, latin)


def test_a_broken_promise_must_be_mentioned() -> None:
    facts = make_facts(broken_promise_date=date(2024, 3, 10))
    assert MISSING_PROMISE_DATE in _codes(facts, _draft(facts, GOOD))
    promised = f"{GOOD} You promised payment by 10 March 2024."
    assert check_draft(facts, _draft(facts, promised)) == []


def test_digits_in_names_and_signature_are_accounted_for() -> None:
    facts = make_facts(
        client_name="Studio 54 B.V.", signature="Ann Smith\nExample BV\n+31 20 123 4567"
    )
    draft = template_draft(facts)
    assert "+31 20 123 4567" in draft.body
    assert check_draft(facts, draft) == []
