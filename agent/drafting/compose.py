"""The code's part of every draft: the subject, the facts block, and the e-mail assembled.

The facts block (invoice lines with overdue invoices apart from those coming due, totals, a
broken promise date, the allowed consequence) is rendered from ``prompts/templates`` in the
client's locale; no writer ever produces it, and every check compares it byte for byte.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from agent.drafting.charge_lines import charge_block
from agent.drafting.facts import DraftFacts, DraftOut, DraftProse, FactsKey, InvoiceFact
from agent.drafting.formatting import format_day
from agent.drafting.payment_lines import payment_block
from agent.models.draft import Tone
from prompts.loader import CURRENT_TEMPLATE_VERSION, environment


def render_subject(facts: DraftFacts, *, version: str = CURRENT_TEMPLATE_VERSION) -> str:
    return _rendered(FactsKey(facts), version)[0]


def render_block(facts: DraftFacts, *, version: str = CURRENT_TEMPLATE_VERSION) -> str:
    """The facts block, exactly as every draft of ``facts`` must carry it: the invoice lines,
    then any claimed late-payment charges and the payment details."""
    return _rendered(FactsKey(facts), version)[1]


@lru_cache(maxsize=256)
def _rendered(key: FactsKey, version: str) -> tuple[str, str]:
    """Subject and facts block; writing, assembling and both checks of a draft ask for them."""
    facts = key.facts
    module = _block_module(facts, version)
    lines = [line.rstrip() for line in str(module.block()).splitlines()]
    parts = ["\n".join(lines).strip("\n"), charge_block(facts), payment_block(facts)]
    return str(module.subject()).strip(), "\n\n".join(part for part in parts if part)


def assemble(
    facts: DraftFacts, prose: DraftProse, *, version: str = CURRENT_TEMPLATE_VERSION
) -> DraftOut:
    """Subject and body: greeting, opening, facts block, situation, closing, signature."""
    body = "\n\n".join(
        [
            prose.greeting.strip(),
            prose.opening.strip(),
            render_block(facts, version=version),
            prose.situation.strip(),
            f"{prose.closing.strip()}\n{facts.signature.strip()}",
        ]
    )
    return DraftOut(
        subject=render_subject(facts, version=version),
        body=body,
        tone=facts.tone,
        language=facts.language,
    )


def template_context(facts: DraftFacts) -> dict[str, Any]:
    """Every value the templates use, pre-formatted for the client's locale."""
    invoices = [_invoice(facts, invoice) for invoice in facts.invoices]
    overdue = [_invoice(facts, invoice) for invoice in facts.overdue_invoices]
    coming = [_invoice(facts, invoice) for invoice in facts.coming_due_invoices]
    return {
        "contact": facts.contact_name,
        "tone": facts.tone.value,
        "single": len(invoices) == 1,
        "count": len(invoices),
        "invoice": invoices[0],
        "invoices": invoices,
        "overdue": facts.overdue,
        "overdue_invoices": overdue,
        "coming_due_invoices": coming,
        "overdue_count": len(overdue),
        "coming_count": len(coming),
        "totals": [facts.money(amount, currency) for currency, amount in facts.totals.items()],
        "promise": (
            format_day(facts.broken_promise_date, facts.locale)
            if facts.broken_promise_date
            else None
        ),
        "consequence": (
            facts.allowed_consequence.value
            if facts.tone is Tone.FIRM and facts.allowed_consequence and facts.overdue
            else None
        ),
        # Issue 16 adds late charges, payment references and payee bank details here; the
        # block templates render them, so they stay code's facts like every other line.
    }


def _block_module(facts: DraftFacts, version: str) -> Any:
    template = environment(version).get_template(f"{facts.language}/block.j2")
    return template.make_module(vars=template_context(facts))


def _invoice(facts: DraftFacts, invoice: InvoiceFact) -> dict[str, Any]:
    return {
        "number": invoice.number,
        "amount": facts.money(invoice.outstanding_minor, invoice.currency),
        "due": format_day(invoice.due_date, facts.locale),
        "days": invoice.days_overdue,
    }
