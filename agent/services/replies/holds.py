"""How an unhandled reply or an out-of-office holds the chase: the sweep, drafts and the outbox."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.models import Client, EventKind, Invoice
from agent.models.draft import Draft, DraftInvoice, DraftStatus
from agent.models.outbox import OutboxMessage, OutboxStatus
from agent.models.reply import Reply, ReplyStatus
from agent.services.ledger import history

REPLY_PENDING = "reply_pending"
CLIENT_AWAY = "client_away"


def holding_clients(session: Session, *, client_ids: list[int], as_of: date) -> dict[int, str]:
    """Clients among ``client_ids`` the sweep must leave alone on ``as_of``, with the reason."""
    if not client_ids:
        return {}
    rows = session.exec(
        select(col(Reply.client_id), col(Reply.status), col(Reply.postpone_until))
        .where(col(Reply.client_id).in_(client_ids))
        .where(
            or_(
                col(Reply.status) == ReplyStatus.PENDING,
                and_(
                    col(Reply.status) == ReplyStatus.AUTOMATIC,
                    col(Reply.postpone_until) > as_of,
                ),
            )
        )
    ).all()
    held: dict[int, str] = {}
    for client_id, status, _until in rows:
        if client_id is not None and held.get(client_id) != REPLY_PENDING:
            held[client_id] = REPLY_PENDING if status == ReplyStatus.PENDING else CLIENT_AWAY
    return held


def stale_pending_drafts(
    session: Session, *, client_id: int, reply: Reply, already: set[int], actor: Actor
) -> int:
    """Note the reply on every invoice of the client's pending drafts, so they turn stale.

    ``already`` holds the invoices the reply is matched to (noted by the caller); returns how
    many others were noted.
    """
    linked = set(
        session.exec(
            select(DraftInvoice.invoice_id)
            .join(Draft, col(Draft.id) == DraftInvoice.draft_id)
            .where(Draft.client_id == client_id)
            .where(Draft.status == DraftStatus.PENDING_REVIEW)
        )
    )
    others = sorted(linked - already)
    for invoice in session.exec(select(Invoice).where(col(Invoice.id).in_(others))):
        history.record(
            session,
            invoice=invoice,
            kind=EventKind.REPLY_RECEIVED,
            actor=actor,
            data={"reply_id": reply.id, "intent": str(reply.intent), "via": "client"},
        )
    return len(others)


def first_working_morning(day: date, *, timezone: str) -> datetime:
    """09:00 local on ``day``, or on the Monday after when it falls on a weekend."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(9, 0), tzinfo=ZoneInfo(timezone))


def postpone_outbox(session: Session, *, client_id: int, until: date) -> int:
    """Messages to the client waiting to go out move to its first business hour on ``until``."""
    client = session.get(Client, client_id)
    zone = client.timezone if client is not None else "UTC"
    earliest = first_working_morning(until, timezone=zone)
    rows = session.exec(
        select(OutboxMessage)
        .join(Draft, col(Draft.id) == OutboxMessage.draft_id)
        .where(Draft.client_id == client_id)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .where(col(OutboxMessage.send_after) < earliest)
    ).all()
    for row in rows:
        row.send_after = earliest
        row.data = dict(row.data or {}) | {"postponed_until": until.isoformat()}
        session.add(row)
    return len(rows)
