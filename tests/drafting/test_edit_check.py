"""A person's edit passes the same checks as a model's prose, and the facts block stands."""

from __future__ import annotations

import pytest

from agent.drafting.edit_check import check_edit
from agent.drafting.guardrails import GuardrailViolation
from agent.models.draft import Tone
from tests.drafting.conftest import make_facts, make_invoice, template_draft

OPENING = "Our records show that the invoice below has not yet been paid."


def _codes(violations: list[GuardrailViolation]) -> set[str]:
    return {violation.code for violation in violations}


def test_an_unchanged_draft_passes() -> None:
    facts = make_facts()
    draft = template_draft(facts)
    assert check_edit(facts, subject=draft.subject, body=draft.body) == []


def test_reworded_prose_passes() -> None:
    facts = make_facts(language="en")
    draft = template_draft(facts)
    opening = draft.body.split("\n\n")[1]
    body = draft.body.replace(opening, "We are writing about the invoice below, which is open.")
    assert check_edit(facts, subject="About your invoice INV-2024-0042", body=body) == []


def test_an_edit_that_changes_the_amount_is_refused() -> None:
    facts = make_facts()
    draft = template_draft(facts)
    body = draft.body.replace("€1,234.50", "€123.45")
    violations = check_edit(facts, subject=draft.subject, body=body)
    assert "facts_block_changed" in _codes(violations)


def test_an_edit_that_drops_an_invoice_is_refused_and_names_it() -> None:
    first, second = make_invoice(), make_invoice(number="INV-2024-0043", outstanding_minor=500)
    facts = make_facts(invoices=[first, second])
    draft = template_draft(facts)
    body = "\n".join(line for line in draft.body.splitlines() if "INV-2024-0043" not in line)
    violations = check_edit(facts, subject=draft.subject, body=body)
    assert "missing_invoice" in _codes(violations)
    assert any("INV-2024-0043" in violation.detail for violation in violations)


@pytest.mark.parametrize(
    ("added", "code"),
    [
        ("Pay at https://evil.example/pay today.", "link_in_prose"),
        ("A ten percent discount applies.", "percentage_in_prose"),
        ("Otherwise we will see you in court.", "consequence_not_allowed"),
        ("Pay to account 12345678 instead.", "number_in_prose"),
        ("Please use IBAN NL91ABNA0417164300.", "payment_details_in_prose"),
        ("<img src=x onerror=alert(document.cookie)>", "markup_in_prose"),
        ("Invoice INV-9999 replaces this one.", "number_in_prose"),
        ("Pay only 31 March 2031.", "number_in_prose"),
        ("You may treat this invoice as closed now.", "meaning_claims_change"),
    ],
)
def test_an_edit_adding_a_fact_or_a_claim_to_the_prose_is_refused(added: str, code: str) -> None:
    facts = make_facts(tone=Tone.FORMAL)
    draft = template_draft(facts)
    body = draft.body.replace(OPENING, f"{OPENING} {added}")
    assert body != draft.body
    assert code in _codes(check_edit(facts, subject=draft.subject, body=body)), added


def test_a_subject_stating_another_number_is_refused() -> None:
    facts = make_facts()
    draft = template_draft(facts)
    violations = check_edit(facts, subject="Invoice INV-2024-0042: now only €5", body=draft.body)
    assert {"number_in_prose", "amount_in_prose"} <= _codes(violations)
