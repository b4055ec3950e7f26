"""The check a person's edit of a draft must pass before it may be approved.

An edit may reword the prose, but the facts block (invoice lines, totals, dates, payment
details) must stand byte for byte, the signature too, and every other line is checked as
prose: no amount, invoice number, date, percentage, link, address, account number, markup or
threat, and nothing the meaning check refuses. A dropped invoice is named.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.drafting.facts import DraftFacts
from agent.drafting.guardrails import GuardrailViolation
from agent.drafting.meaning.check import MeaningCheck, OfflineMeaningCheck
from agent.drafting.prose_check import check_assembled


def check_edit(
    facts: DraftFacts,
    *,
    subject: str,
    body: str,
    checks: Sequence[MeaningCheck] | None = None,
) -> list[GuardrailViolation]:
    """Every reason the edited ``subject`` and ``body`` may not be sent; empty means it passes."""
    checks = [OfflineMeaningCheck()] if checks is None else checks
    return check_assembled(facts, subject=subject, body=body, checks=checks)
