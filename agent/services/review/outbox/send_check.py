"""The send-time check: is what the approved e-mail states still true as it leaves?

The sender runs it when it claims a message and again in the transaction that passes the
commit point, with the listed invoices locked, so a payment recorded in between is seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from agent.actor import Actor
from agent.models import Client, Invoice, Lifecycle
from agent.models.draft import DraftInvoice
from agent.money import format_plain
from agent.services.ledger import invoices
from agent.services.review import drafts

SENDER = Actor.system("sender")


@dataclass(frozen=True)
class SendCheck:
    """Why the message may not leave as approved (empty: it may) and whether anything is owed."""

    reasons: list[str]
    still_owed: bool

    @property
    def passes(self) -> bool:
        return not self.reasons

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def invoice_reasons(
    listed: DraftInvoice, invoice: Invoice, client: Client, *, outstanding_minor: int, today: date
) -> list[str]:
    """What changed about one invoice since the e-mail stating ``listed`` was approved."""
    number = invoice.number
    if invoice.lifecycle in (Lifecycle.VOID, Lifecycle.WRITTEN_OFF):
        return [f"invoice {number} is {str(invoice.lifecycle).replace('_', ' ')}"]
    if outstanding_minor == 0:
        return [f"invoice {number} has been paid in full"]
    reasons: list[str] = []
    if invoice.dispute_opened_date is not None:
        reasons.append(f"invoice {number} is disputed")
    if invoices.paused_on(invoice, today) or client.reminders_paused:
        reasons.append(f"reminders for invoice {number} are paused")
    if invoice.promised_date is not None and invoice.promised_date >= today:
        reasons.append(f"the client promised to pay invoice {number} by {invoice.promised_date}")
    if outstanding_minor != listed.outstanding_minor:
        reasons.append(
            f"invoice {number}: the e-mail states "
            f"{format_plain(listed.outstanding_minor, listed.currency)} outstanding, "
            f"the ledger now {format_plain(outstanding_minor, invoice.currency)}"
        )
    if invoice.due_date != listed.due_date:
        reasons.append(
            f"invoice {number}: the e-mail states due {listed.due_date}, "
            f"the ledger now {invoice.due_date}"
        )
    return reasons


def check_draft(
    session: Session, *, draft_id: int, today: date, due_soon_days: int, lock: bool = False
) -> SendCheck:
    """Re-derive every invoice the draft lists as of ``today``; ``lock`` holds their rows."""
    reasons: list[str] = []
    owed = False
    for listed, invoice in drafts.listed_invoices(session, draft_id=draft_id):
        if lock:
            invoice = invoices.lock(session, invoice_id=invoice.id, actor=SENDER)
        standing = invoices.standing(
            session, invoice=invoice, as_of=today, due_soon_days=due_soon_days
        )
        owed = owed or standing.outstanding_minor > 0
        client = session.get_one(Client, invoice.client_id)
        reasons += invoice_reasons(
            listed, invoice, client, outstanding_minor=standing.outstanding_minor, today=today
        )
    return SendCheck(reasons=reasons, still_owed=owed)
