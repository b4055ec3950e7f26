"""The append-only invoice history: every state change writes one event here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.models import EventKind, Invoice, InvoiceEvent
from agent.models.base import utcnow


def record(
    session: Session,
    *,
    invoice: Invoice,
    kind: EventKind | str,
    actor: Actor,
    data: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    bump_version: bool = True,
) -> InvoiceEvent:
    """Append one event; ledger changes bump the invoice's version so stale drafts show.

    Reminder bookkeeping (drafted, decided, sent) passes ``bump_version=False``: it changes no
    fact a draft states.
    """
    if invoice.id is None:
        session.flush()
    event = InvoiceEvent(
        invoice_id=invoice.id,
        kind=str(kind),
        actor=actor.label,
        actor_user_id=actor.user_id,
        data=data or {},
        occurred_at=occurred_at or utcnow(),
    )
    session.add(event)
    if bump_version:
        invoice.version += 1
        invoice.updated_at = utcnow()
        session.add(invoice)
    return event


def note_many(
    session: Session,
    *,
    kind: EventKind | str,
    actor: Actor,
    data_by_invoice: dict[int, dict[str, Any]],
) -> None:
    """Append a bookkeeping event (it changes no fact, so no version bump) to each invoice
    with its data, in one insert: a reminder listing several invoices writes one statement."""
    moment = utcnow()
    session.execute(
        insert(InvoiceEvent),
        [
            {
                "invoice_id": invoice_id,
                "kind": str(kind),
                "actor": actor.label,
                "actor_user_id": actor.user_id,
                "data": data,
                "occurred_at": moment,
            }
            for invoice_id, data in data_by_invoice.items()
        ],
    )


def list_for_invoice(session: Session, *, invoice_id: int) -> list[InvoiceEvent]:
    """The invoice's history, oldest first."""
    query = (
        select(InvoiceEvent)
        .where(InvoiceEvent.invoice_id == invoice_id)
        .order_by(col(InvoiceEvent.occurred_at), col(InvoiceEvent.id))
    )
    return list(session.exec(query))
