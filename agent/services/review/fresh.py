"""A fresh draft for a reminder that can no longer be sent as approved (held at send time).

The held draft's milestone claims move to a new thread for the invoices still worth a
reminder; the agent then drafts that thread from the ledger as it is now. No new claim is
made, so the sweep's exactly-once guard still holds.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlmodel import Session, select

from agent.models import Client, Invoice, Lifecycle
from agent.models.draft import MilestoneClaim
from agent.services.ledger import invoices
from agent.services.review import drafts


def remindable(
    session: Session, invoice: Invoice, client: Client, *, as_of: date, due_soon_days: int
) -> bool:
    """Open, owed, undisputed, unpaused, and no promise to pay that has not yet passed."""
    standing = invoices.standing(session, invoice=invoice, as_of=as_of, due_soon_days=due_soon_days)
    promised = invoice.promised_date is not None and invoice.promised_date >= as_of
    return (
        invoice.lifecycle == Lifecycle.SENT
        and standing.outstanding_minor > 0
        and invoice.dispute_opened_date is None
        and not invoices.paused_on(invoice, as_of)
        and not client.reminders_paused
        and not promised
    )


def claim_fresh_thread(
    session: Session, *, draft_id: int, as_of: date, due_soon_days: int
) -> str | None:
    """Move the draft's claims for still-remindable invoices to a new thread (flushes only).

    Returns the new thread's id, or None when no invoice is worth a reminder now.
    """
    draft = drafts.get(session, draft_id=draft_id)
    client = session.get_one(Client, draft.client_id)
    keep = {
        invoice.id
        for _listed, invoice in drafts.listed_invoices(session, draft_id=draft_id)
        if remindable(session, invoice, client, as_of=as_of, due_soon_days=due_soon_days)
    }
    claims = [
        claim
        for claim in session.exec(
            select(MilestoneClaim).where(MilestoneClaim.thread_id == draft.thread_id)
        )
        if claim.invoice_id in keep
    ]
    if not claims:
        return None
    thread_id = f"fresh:{draft_id}:{uuid.uuid4().hex[:12]}"
    for claim in claims:
        claim.thread_id = thread_id
        claim.draft_id = None
        session.add(claim)
    session.flush()
    return thread_id


def link(session: Session, *, draft_id: int, fresh_id: int) -> None:
    """Point the held draft at the fresh one that replaces it."""
    draft = drafts.get(session, draft_id=draft_id)
    draft.superseded_by_id = fresh_id
    session.add(draft)
    session.flush()
