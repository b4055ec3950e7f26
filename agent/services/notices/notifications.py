"""Owner notifications: stored once per kind, invoice and due date; read in the pages and CLI.

A notification resolves itself when its cause is gone (the invoice was paid, extended or
closed; a reminder was approved); people mark them read or dismiss them, in bulk.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.formatting import plural
from agent.models import Invoice
from agent.models.base import utcnow
from agent.models.draft import Draft, DraftInvoice, DraftStatus
from agent.models.notification import Notification, NotificationKind
from agent.services.access.ownership import owner_scope, scoped
from agent.services.ledger import invoices as ledger_invoices
from agent.services.ledger.standing import Standing, State
from agent.settings import Settings


def notify(
    session: Session,
    *,
    owner_id: int,
    kind: NotificationKind,
    invoice: Invoice,
    message: str,
    data: dict[str, object] | None = None,
) -> int:
    """Store a notification unless this one (kind, invoice, due date) exists; returns 0 or 1."""
    key = f"{kind}:{invoice.id}:{invoice.due_date.isoformat()}"
    exists = session.exec(select(Notification.id).where(Notification.dedupe_key == key)).first()
    if exists is not None:
        return 0
    try:
        with session.begin_nested():
            session.add(
                Notification(
                    owner_id=owner_id,
                    kind=kind,
                    invoice_id=invoice.id,
                    message=message,
                    data={"number": invoice.number, **(data or {})},
                    dedupe_key=key,
                )
            )
    except IntegrityError:
        return 0
    return 1


def _followed_up(session: Session, *, invoice: Invoice) -> bool:
    """Has a reminder for this invoice been decided (approved or sent) since it fell due?"""
    query = (
        select(Draft.id)
        .join(DraftInvoice, col(DraftInvoice.draft_id) == Draft.id)
        .where(DraftInvoice.invoice_id == invoice.id)
        .where(DraftInvoice.due_date == invoice.due_date)
        .where(col(Draft.status).in_([DraftStatus.APPROVED, DraftStatus.SENT]))
        .limit(1)
    )
    return session.exec(query).first() is not None


def notify_for_standing(
    session: Session, *, invoice: Invoice, standing: Standing, settings: Settings
) -> int:
    """The owner hears when an invoice is due soon, falls overdue, or sits without follow-up."""
    if standing.state == State.DUE_SOON:
        when = "today" if standing.due_in_days == 0 else f"in {plural(standing.due_in_days, 'day')}"
        return notify(
            session,
            owner_id=invoice.owner_id,
            kind=NotificationKind.DUE_SOON,
            invoice=invoice,
            message=f"Invoice {invoice.number} is due {when} ({invoice.due_date}).",
        )
    if standing.state != State.OVERDUE:
        return 0
    count = notify(
        session,
        owner_id=invoice.owner_id,
        kind=NotificationKind.NEWLY_OVERDUE,
        invoice=invoice,
        message=f"Invoice {invoice.number} is overdue since {invoice.due_date}.",
    )
    if standing.days_overdue >= settings.no_follow_up_days and not _followed_up(
        session, invoice=invoice
    ):
        count += notify(
            session,
            owner_id=invoice.owner_id,
            kind=NotificationKind.NO_FOLLOW_UP,
            invoice=invoice,
            message=(
                f"Invoice {invoice.number} is {plural(standing.days_overdue, 'day')} overdue and "
                "no reminder has been approved yet."
            ),
        )
    return count


def list_for_owner(
    session: Session, *, owner_id: int | None = None, unread_only: bool = False, limit: int = 200
) -> list[Notification]:
    """Newest first; every owner's when ``owner_id`` is None (admins)."""
    query = select(Notification).order_by(
        col(Notification.created_at).desc(), col(Notification.id).desc()
    )
    if owner_id is not None:
        query = query.where(Notification.owner_id == owner_id)
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    return list(session.exec(query.limit(limit)))


def list_for_actor(
    session: Session, *, actor: Actor, show_all: bool = False, limit: int = 200
) -> list[Notification]:
    """The actor's current notifications, newest first; ``show_all`` adds dismissed and resolved."""
    query = scoped(
        select(Notification).order_by(
            col(Notification.created_at).desc(), col(Notification.id).desc()
        ),
        actor,
        Notification.owner_id,
    )
    if not show_all:
        query = query.where(
            col(Notification.dismissed_at).is_(None), col(Notification.resolved_at).is_(None)
        )
    return list(session.exec(query.limit(limit)))


def _mark(session: Session, *, actor: Actor, ids: Sequence[int], column: str) -> int:
    if not ids:
        return 0
    statement = (
        update(Notification)
        .where(col(Notification.id).in_(list(ids)), getattr(Notification, column).is_(None))
        .values({column: utcnow()})
    )
    owner_id = owner_scope(actor)
    if owner_id is not None:
        statement = statement.where(col(Notification.owner_id) == owner_id)
    result = session.exec(statement)  # type: ignore[call-overload]
    session.flush()
    return int(result.rowcount or 0)


def mark_read(session: Session, *, actor: Actor, ids: Sequence[int]) -> int:
    """Mark these notifications read (only the actor's own); returns how many changed."""
    return _mark(session, actor=actor, ids=ids, column="read_at")


def dismiss(session: Session, *, actor: Actor, ids: Sequence[int]) -> int:
    """Hide these notifications (only the actor's own); returns how many changed."""
    return _mark(session, actor=actor, ids=ids, column="dismissed_at")


def cause_is_gone(
    session: Session, *, note: Notification, invoice: Invoice, standing: Standing
) -> bool:
    """Whether what the notification said no longer holds on the day of ``standing``."""
    if invoice.due_date.isoformat() not in note.dedupe_key:
        return True  # the due date moved: a new notice is made for the new date if needed
    if note.kind == NotificationKind.DUE_SOON:
        return standing.state not in (State.DUE_SOON, State.OVERDUE)
    if standing.state != State.OVERDUE:
        return True
    if note.kind == NotificationKind.NO_FOLLOW_UP:
        return _followed_up(session, invoice=invoice)
    return False


def resolve_stale(session: Session, *, actor: Actor, as_of: date, settings: Settings) -> int:
    """Resolve the actor's open notifications whose cause is gone; returns how many."""
    query = scoped(
        select(Notification, Invoice)
        .join(Invoice, col(Invoice.id) == Notification.invoice_id)
        .where(col(Notification.resolved_at).is_(None), col(Notification.dismissed_at).is_(None)),
        actor,
        Notification.owner_id,
    )
    resolved = 0
    for note, invoice in session.exec(query).all():
        standing = ledger_invoices.standing(
            session, invoice=invoice, as_of=as_of, due_soon_days=settings.due_soon_days
        )
        if cause_is_gone(session, note=note, invoice=invoice, standing=standing):
            note.resolved_at = utcnow()
            session.add(note)
            resolved += 1
    session.flush()
    return resolved
