"""A person's edit passes the same fact checks as a model's draft."""

from __future__ import annotations

from agent.drafting.edit_check import check_edit
from agent.drafting.templates import TemplateDrafter
from tests.drafting.conftest import make_facts, make_invoice


def _codes(violations: list) -> set[str]:
    return {violation.code for violation in violations}


def test_an_unchanged_draft_passes() -> None:
    facts = make_facts()
    draft = TemplateDrafter().write(facts)
    assert check_edit(facts, subject=draft.subject, body=draft.body) == []


def test_an_edit_that_changes_the_amount_is_refused() -> None:
    facts = make_facts()
    draft = TemplateDrafter().write(facts)
    body = draft.body.replace("€1,234.50", "€123.45")
    assert "wrong_amount" in _codes(check_edit(facts, subject=draft.subject, body=body))


def test_an_edit_that_drops_an_invoice_is_refused() -> None:
    first, second = make_invoice(), make_invoice(number="INV-2024-0043", outstanding_minor=500)
    facts = make_facts(invoices=[first, second])
    draft = TemplateDrafter().write(facts)
    body = "\n".join(line for line in draft.body.splitlines() if "INV-2024-0043" not in line)
    violations = check_edit(facts, subject=draft.subject, body=body)
    assert "missing_invoice_number" in _codes(violations)
    assert any("INV-2024-0043" in violation.detail for violation in violations)


def test_an_edit_adding_a_link_a_percentage_or_a_threat_is_refused() -> None:
    facts = make_facts()
    draft = TemplateDrafter().write(facts)
    for added, code in (
        ("Pay at https://evil.example/pay", "unexpected_link"),
        ("A 10% discount applies.", "unexpected_number"),
        ("Otherwise we will see you in court.", "consequence_not_allowed"),
        ("Pay to account 12345678 instead.", "unexpected_number"),
    ):
        violations = check_edit(facts, subject=draft.subject, body=f"{draft.body}\n\n{added}")
        assert code in _codes(violations), added
