"""The check a person's edit of a draft must pass before it may be approved.

An edited subject or body may reword the prose, but may not state any amount, invoice number,
date, percentage, link, account number or threat that is not in the facts, nor drop an invoice
the draft lists. Each violation names what is wrong, for the reviewer to fix.
"""

from __future__ import annotations

from agent.drafting.facts import DraftFacts, DraftOut
from agent.drafting.guardrails import GuardrailViolation, check_draft


def check_edit(facts: DraftFacts, *, subject: str, body: str) -> list[GuardrailViolation]:
    """Every reason the edited ``subject`` and ``body`` may not be sent; empty means it passes."""
    edited = DraftOut(subject=subject, body=body, tone=facts.tone, language=facts.language)
    return check_draft(facts, edited)
