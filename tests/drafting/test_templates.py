from __future__ import annotations

from datetime import date

import pytest

from agent.drafting.facts import SUPPORTED_LANGUAGES, Consequence, draft_language, locale_for
from agent.drafting.guardrails import check_draft
from agent.drafting.templates import TemplateDrafter
from agent.models.draft import Tone
from tests.drafting.conftest import CURRENCY, make_facts, make_invoice

PRE_DUE = make_invoice(
    number="INV-7", outstanding_minor=50_000, days_overdue=-3, milestone="pre_due"
)


def _three_invoices(language: str) -> list:
    currency = CURRENCY[language]
    return [
        make_invoice(number="INV-1", outstanding_minor=123_450, currency=currency),
        make_invoice(
            number="INV-2",
            outstanding_minor=99_900_001,
            currency=currency,
            due_date=date(2024, 2, 29),
            days_overdue=1,
            milestone="overdue_1",
        ),
        make_invoice(
            number="2024/003",
            outstanding_minor=5_000,
            currency="EUR" if currency != "EUR" else "USD",
            due_date=date(2024, 3, 25),
            days_overdue=-3,
            milestone="pre_due",
        ),
    ]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("tone", list(Tone))
@pytest.mark.parametrize("variant", ["pre_due", "overdue", "several", "broken_promise"])
def test_every_template_passes_the_guardrails(language: str, tone: Tone, variant: str) -> None:
    invoices = {
        "pre_due": [PRE_DUE],
        "overdue": [make_invoice(currency=CURRENCY[language])],
        "several": _three_invoices(language),
        "broken_promise": [make_invoice()],
    }[variant]
    promise = date(2024, 3, 10) if variant == "broken_promise" else None
    for consequence in (None, *Consequence):
        facts = make_facts(
            invoices=invoices,
            language=language,
            tone=tone,
            broken_promise_date=promise,
            allowed_consequence=consequence,
        )
        draft = TemplateDrafter().write(facts)
        assert check_draft(facts, draft) == []
        assert (draft.tone, draft.language) == (tone, language)
        assert draft.body.startswith(draft.body.split("\n")[0]) and "\n\n" in draft.body


@pytest.mark.parametrize(
    ("language", "amount", "due"),
    [
        ("en", "€1,234.50", "5 March 2024"),
        ("sv", "1\xa0234,50\xa0€", "5 mars 2024"),
        ("nl", "€\xa01.234,50", "5 maart 2024"),
        ("bg", "1\xa0234,50\xa0€", "5 март 2024 г."),
    ],
)
def test_amounts_and_dates_follow_the_client_locale(language: str, amount: str, due: str) -> None:
    facts = make_facts(language=language)
    draft = TemplateDrafter().write(facts)
    assert amount in draft.body
    assert due in draft.body
    assert "INV-2024-0042" in draft.body and "INV-2024-0042" in draft.subject


def test_bulgarian_is_written_in_cyrillic_and_swedish_amounts_in_kronor() -> None:
    invoice = make_invoice(currency="BGN")
    bulgarian = TemplateDrafter().write(make_facts(language="bg", invoices=[invoice]))
    assert "Уважаеми Acme Trading Ltd," in bulgarian.body
    assert "1\xa0234,50\xa0лв." in bulgarian.body
    swedish = TemplateDrafter().write(
        make_facts(language="sv", invoices=[make_invoice(currency="SEK")])
    )
    assert "1\xa0234,50\xa0kr" in swedish.body


def test_several_invoices_become_one_list_with_totals_per_currency() -> None:
    facts = make_facts(invoices=_three_invoices("en"))
    draft = TemplateDrafter().write(facts)
    lines = draft.body.splitlines()
    assert "- Invoice INV-1: £1,234.50, due 5 March 2024 (14 days overdue)" in lines
    assert "- Invoice INV-2: £999,000.01, due 29 February 2024 (1 day overdue)" in lines
    assert "- Invoice 2024/003: €50.00, due 25 March 2024 (due in 3 days)" in lines
    assert "Total outstanding: £1,000,234.51" in lines
    assert "Total outstanding: €50.00" in lines
    assert draft.subject == "Urgent: 3 invoices require payment"


def test_consequence_only_when_firm_allowed_and_overdue() -> None:
    firm = make_facts(tone=Tone.FIRM, allowed_consequence=Consequence.REFERRAL_TO_COLLECTION)
    assert "collection agency" in TemplateDrafter().write(firm).body
    formal = make_facts(tone=Tone.FORMAL, allowed_consequence=Consequence.REFERRAL_TO_COLLECTION)
    assert "collection" not in TemplateDrafter().write(formal).body
    not_allowed = make_facts(tone=Tone.FIRM)
    assert "collection" not in TemplateDrafter().write(not_allowed).body
    pre_due = make_facts(
        invoices=[PRE_DUE], tone=Tone.FIRM, allowed_consequence=Consequence.LEGAL_ACTION
    )
    assert "legal" not in TemplateDrafter().write(pre_due).body


def test_broken_promise_is_mentioned_with_its_date() -> None:
    facts = make_facts(language="nl", broken_promise_date=date(2024, 3, 10))
    body = TemplateDrafter().write(facts).body
    assert "uiterlijk op 10 maart 2024 zou plaatsvinden" in body


def test_template_syntax_in_client_data_is_printed_not_evaluated() -> None:
    facts = make_facts(client_name="{{ 7*7 }} {% raw %}Acme{{ config }}")
    draft = TemplateDrafter().write(facts)
    assert "Dear {{ 7*7 }} {% raw %}Acme{{ config }}," in draft.body
    assert "49" not in draft.body
    assert check_draft(facts, draft) == []


def test_a_name_without_letters_gets_a_generic_greeting() -> None:
    facts = make_facts(client_name="$1.00")
    draft = TemplateDrafter().write(facts)
    assert "Dear customer," in draft.body and "$1.00" not in draft.body
    assert check_draft(facts, draft) == []


def test_drafts_are_deterministic_and_record_the_template_version() -> None:
    facts = make_facts(language="sv")
    drafter = TemplateDrafter()
    assert drafter.write(facts) == drafter.write(facts)
    assert (drafter.model, drafter.prompt_version) == ("template", "templates/v1")


def test_language_falls_back_to_english_and_locale_follows_country() -> None:
    assert draft_language("de") == "en"
    assert draft_language("sv-SE") == "sv"
    assert locale_for("nl", "BE") == "nl_BE"
    assert locale_for("bg", None) == "bg_BG"
    assert locale_for("en", "XX") == "en_GB"
