"""An invoice's conversation in order: reminders sent, replies received, actions taken."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.models import EventKind, InvoiceEvent
from agent.models.outbox import OutboxMessage
from agent.models.reply import Reply
from agent.services.replies import replies

# What a person did because of a reply: the ledger actions carry the reply as their source.
_ACTIONS = {
    EventKind.PROMISE_RECORDED,
    EventKind.DISPUTE_OPENED,
    EventKind.PAYMENT_RECORDED,
    EventKind.NOTE_ADDED,
    EventKind.REPLY_HANDLED,
}


@dataclass(frozen=True)
class Entry:
    """One line of the conversation; ``text`` is plain text (the page escapes it)."""

    at: datetime
    kind: str  # "sent", "received" or "action"
    title: str
    text: str
    reply_id: int | None = None


def for_invoice(session: Session, *, invoice_id: int, actor: Actor) -> list[Entry]:
    """The invoice's conversation, oldest first, as the actor may see it."""
    entries = [_sent(session, e) for e in _events(session, invoice_id, {EventKind.REMINDER_SENT})]
    for reply in replies.list_replies(session, actor=actor, invoice_id=invoice_id):
        entries.append(_received(reply))
    for event in _events(session, invoice_id, _ACTIONS):
        entries.append(
            Entry(
                at=event.occurred_at,
                kind="action",
                title=f"{event.kind.replace('_', ' ')} by {event.actor}",
                text=_summary(event),
            )
        )
    return sorted(entries, key=lambda entry: entry.at)


def _events(session: Session, invoice_id: int, kinds: set[EventKind]) -> list[InvoiceEvent]:
    return list(
        session.exec(
            select(InvoiceEvent)
            .where(InvoiceEvent.invoice_id == invoice_id)
            .where(col(InvoiceEvent.kind).in_([str(k) for k in kinds]))
            .order_by(col(InvoiceEvent.occurred_at), col(InvoiceEvent.id))
        )
    )


def _sent(session: Session, event: InvoiceEvent) -> Entry:
    message_id = (event.data or {}).get("message_id")
    row = session.exec(select(OutboxMessage).where(OutboxMessage.message_id == message_id)).first()
    return Entry(
        at=event.occurred_at,
        kind="sent",
        title=f"reminder sent: {row.subject}" if row else "reminder sent",
        text=row.text_body.strip() if row else "",
    )


def _received(reply: Reply) -> Entry:
    return Entry(
        at=reply.received_at,
        kind="received",
        title=f"reply from {reply.from_addr}: {reply.subject} ({reply.intent}, {reply.status})",
        text=reply.text,
        reply_id=reply.id,
    )


def _summary(event: InvoiceEvent) -> str:
    data = dict(event.data or {})
    source = data.pop("source", None)
    parts = [f"{k.replace('_', ' ')}: {v}" for k, v in data.items() if v not in (None, "", [])]
    if isinstance(source, dict) and source.get("reply_id"):
        parts.append(f"source: reply #{source['reply_id']}")
    return "; ".join(parts)
