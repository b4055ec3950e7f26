"""A person's edit of a draft passes the same guardrails as the draft itself.

A thin stand-in over ``guardrails.check_draft``: an edited subject or body may state only the
facts of the draft (amounts, numbers, dates, links, consequences) and must still list every
invoice. Tone and language are the draft's own, so only the text is judged.
"""

from __future__ import annotations

from agent.drafting.facts import DraftFacts, DraftOut
from agent.drafting.guardrails import (
    MISSING_INVOICE_NUMBER,
    GuardrailViolation,
    check_draft,
    normalise_text,
)


def check_edit(facts: DraftFacts, *, subject: str, body: str) -> list[GuardrailViolation]:
    """Every reason the edited text may not be sent for ``facts``; empty when it may."""
    edited = DraftOut(subject=subject, body=body, tone=facts.tone, language=facts.language)
    violations = check_draft(facts, edited)
    text = normalise_text(f"{subject}\n{body}")
    for invoice in facts.invoices:
        dropped = GuardrailViolation(
            MISSING_INVOICE_NUMBER, f"invoice number {invoice.number} is not stated"
        )
        if invoice.number not in text and dropped not in violations:
            violations.append(dropped)
    return violations
