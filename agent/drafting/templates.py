"""The offline drafter: deterministic templates from ``prompts/templates`` write the reminder.

Used when no LLM is configured and as the fallback when the LLM's drafts fail the guardrails.
It never shows client notes; every fact is formatted here for the client's locale.
"""

from __future__ import annotations

import re
from typing import Any

from agent.drafting.charge_lines import charge_block
from agent.drafting.facts import DraftFacts, DraftOut, InvoiceFact, addressee
from agent.drafting.formatting import format_day
from agent.drafting.payment_lines import payment_block
from agent.models.draft import Tone
from prompts.loader import CURRENT_TEMPLATE_VERSION, ReminderPrompt, environment

_BLANK_LINES = re.compile(r"\n{3,}")


class TemplateDrafter:
    """Implements the writer port with templates; ``model`` is recorded as ``template``."""

    model = "template"

    def __init__(self, *, version: str = CURRENT_TEMPLATE_VERSION) -> None:
        self.prompt_version = version

    def write(
        self,
        facts: DraftFacts,
        prompt: ReminderPrompt | None = None,
        *,
        feedback: list[str] | None = None,
    ) -> DraftOut:
        """Render the reminder; ``prompt`` and ``feedback`` are for LLM writers and ignored."""
        template = environment(self.prompt_version).get_template(
            f"{facts.language}/{facts.tone.value}.j2"
        )
        subject, _, body = _tidy(template.render(**_context(facts))).partition("\n")
        return DraftOut(
            subject=subject.strip(),
            body=_before_closing(body.strip(), charge_block(facts), payment_block(facts)),
            tone=facts.tone,
            language=facts.language,
        )


def _before_closing(body: str, *blocks: str) -> str:
    """Code-rendered fact blocks (charges, payment details) go before the closing paragraph."""
    shown = [block for block in blocks if block]
    if not shown:
        return body
    head, _, closing = body.rpartition("\n\n")
    return "\n\n".join([head, *shown, closing])


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines))


def _invoice(facts: DraftFacts, invoice: InvoiceFact) -> dict[str, Any]:
    return {
        "number": invoice.number,
        "amount": facts.money(invoice.outstanding_minor, invoice.currency),
        "due": format_day(invoice.due_date, facts.locale),
        "days": invoice.days_overdue,
    }


def _context(facts: DraftFacts) -> dict[str, Any]:
    invoices = [_invoice(facts, invoice) for invoice in facts.invoices]
    return {
        "client_name": addressee(facts.client_name),
        "single": len(invoices) == 1,
        "invoice": invoices[0],
        "invoices": invoices,
        "count": len(invoices),
        "totals": [facts.money(amount, currency) for currency, amount in facts.totals.items()],
        "overdue": facts.overdue,
        "promise": (
            format_day(facts.broken_promise_date, facts.locale)
            if facts.broken_promise_date
            else None
        ),
        "consequence": (
            facts.allowed_consequence.value
            if facts.tone is Tone.FIRM
            and facts.allowed_consequence
            and facts.overdue
            and not facts.charges
            else None
        ),
        "signature": facts.signature,
    }
