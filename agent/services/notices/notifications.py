"""Owner notifications: stored once per kind, invoice and due date; read in the pages and CLI.

A notification resolves itself when its cause is gone (the invoice was paid, extended or
closed; a reminder was approved); people mark them read or dismiss them, in bulk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.formatting import plural
from agent.models import Invoice, User, UserRole
from agent.models.base import utcnow
from agent.models.draft import Draft, DraftInvoice, DraftStatus
from agent.models.notification import Notification, NotificationKind
from agent.services.access.ownership import owner_scope, scoped
from agent.services.ledger import invoices as ledger_invoices
from agent.services.ledger.standing import Standing, State
from agent.services.scoring.model_health import ModelHealth
from agent.settings import Settings


@dataclass(frozen=True)
class Notice:
    """A notification to store unless its (kind, invoice, due date) was stored before."""

    owner_id: int
    kind: NotificationKind
    invoice: Invoice
    message: str
    data: dict[str, object] | None = None
    key: str | None = None

    @property
    def dedupe_key(self) -> str:
        return self.key or f"{self.kind}:{self.invoice.id}:{self.invoice.due_date.isoformat()}"


def notify(
    session: Session,
    *,
    owner_id: int,
    kind: NotificationKind,
    invoice: Invoice,
    message: str,
    data: dict[str, object] | None = None,
    dedupe_key: str | None = None,
) -> int:
    """Store a notification unless this one exists; returns 0 or 1.

    By default one per kind, invoice and due date; ``dedupe_key`` names another unit (a draft).
    """
    notice = Notice(owner_id, kind, invoice, message, data=data, key=dedupe_key)
    return notify_many(session, [notice])


def notify_many(session: Session, notices: list[Notice]) -> int:
    """Store the notices not stored before, in one insert; how many are new.

    A concurrent sweep storing the same key is absorbed by the unique key (no error).
    """
    if not notices:
        return 0
    fresh = {n.dedupe_key: n for n in notices}
    now = utcnow()
    rows = [
        {
            "owner_id": n.owner_id,
            "kind": n.kind,
            "invoice_id": n.invoice.id,
            "message": n.message,
            "data": {"number": n.invoice.number, **(n.data or {})},
            "dedupe_key": key,
            "created_at": now,
        }
        for key, n in fresh.items()
    ]
    dialect = session.get_bind().dialect.name
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(Notification)
    stored = session.execute(
        statement.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(
            col(Notification.id)
        ),
        rows,
    )
    return len(stored.all())


def followed_up(session: Session, *, invoices: list[Invoice]) -> set[int]:
    """Invoices with a reminder decided (approved or sent) since they fell due."""
    if not invoices:
        return set()
    due = {invoice.id: invoice.due_date for invoice in invoices}
    query = (
        select(col(DraftInvoice.invoice_id), col(DraftInvoice.due_date))
        .join(Draft, col(DraftInvoice.draft_id) == Draft.id)
        .where(col(DraftInvoice.invoice_id).in_(list(due)))
        .where(col(Draft.status).in_([DraftStatus.APPROVED, DraftStatus.SENT]))
    )
    return {invoice_id for invoice_id, day in session.exec(query) if due[invoice_id] == day}


def for_standing(
    invoice: Invoice, *, standing: Standing, settings: Settings, followed_up: bool
) -> list[Notice]:
    """The owner hears when an invoice is due soon, falls overdue, or sits without follow-up."""
    owner = invoice.owner_id
    if standing.state == State.DUE_SOON:
        when = "today" if standing.due_in_days == 0 else f"in {plural(standing.due_in_days, 'day')}"
        message = f"Invoice {invoice.number} is due {when} ({invoice.due_date})."
        return [Notice(owner, NotificationKind.DUE_SOON, invoice, message)]
    if standing.state != State.OVERDUE:
        return []
    message = f"Invoice {invoice.number} is overdue since {invoice.due_date}."
    found = [Notice(owner, NotificationKind.NEWLY_OVERDUE, invoice, message)]
    if standing.days_overdue >= settings.no_follow_up_days and not followed_up:
        message = (
            f"Invoice {invoice.number} is {plural(standing.days_overdue, 'day')} overdue and "
            "no reminder has been approved yet."
        )
        found.append(Notice(owner, NotificationKind.NO_FOLLOW_UP, invoice, message))
    return found


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
    result = session.exec(statement)
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
        return invoice.id in followed_up(session, invoices=[invoice])
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


def notify_model_stale(session: Session, *, health: ModelHealth) -> int:
    """Tell every active admin once per model version that it should be retrained."""
    admins = session.exec(
        select(User.id).where(User.role == UserRole.ADMIN).where(col(User.is_active).is_(True))
    ).all()
    message = (
        f"The risk model {health.version or '(none)'} should be retrained "
        f"({'; '.join(health.reasons)}): run `paytrack risk train`."
    )
    stored = 0
    for admin_id in admins:
        key = f"{NotificationKind.MODEL_STALE}:{health.version}:{admin_id}"
        if session.exec(select(Notification.id).where(Notification.dedupe_key == key)).first():
            continue
        session.add(
            Notification(
                owner_id=admin_id,
                kind=NotificationKind.MODEL_STALE,
                message=message,
                data={"version": health.version, "reasons": health.reasons},
                dedupe_key=key,
            )
        )
        stored += 1
    session.flush()
    return stored
