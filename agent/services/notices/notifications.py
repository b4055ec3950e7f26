"""Owner notifications: stored once per kind, invoice and due date; read in the pages and CLI."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from agent.models import Invoice
from agent.models.base import utcnow
from agent.models.draft import Draft, DraftInvoice, DraftStatus
from agent.models.notification import Notification, NotificationKind
from agent.services.ledger.standing import Standing, State
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
    """Store the notices not stored before, in one look-up and one insert; how many are new.

    A concurrent sweep storing the same key is absorbed by the unique key (no error).
    """
    if not notices:
        return 0
    keys = [n.dedupe_key for n in notices]
    known = set(
        session.exec(select(Notification.dedupe_key).where(col(Notification.dedupe_key).in_(keys)))
    )
    fresh = {n.dedupe_key: n for n in notices if n.dedupe_key not in known}
    if not fresh:
        return 0
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
    session.execute(statement.on_conflict_do_nothing(index_elements=["dedupe_key"]), rows)
    return len(rows)


def followed_up(session: Session, *, invoices: list[Invoice]) -> set[int]:
    """Invoices with a reminder decided (approved or sent) since they fell due."""
    if not invoices:
        return set()
    due = {invoice.id: invoice.due_date for invoice in invoices}
    query = (
        select(DraftInvoice.invoice_id, DraftInvoice.due_date)
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
        when = "today" if standing.due_in_days == 0 else f"in {standing.due_in_days} days"
        message = f"Invoice {invoice.number} is due {when} ({invoice.due_date})."
        return [Notice(owner, NotificationKind.DUE_SOON, invoice, message)]
    if standing.state != State.OVERDUE:
        return []
    message = f"Invoice {invoice.number} is overdue since {invoice.due_date}."
    found = [Notice(owner, NotificationKind.NEWLY_OVERDUE, invoice, message)]
    if standing.days_overdue >= settings.no_follow_up_days and not followed_up:
        message = (
            f"Invoice {invoice.number} is {standing.days_overdue} days overdue and no "
            "reminder has been approved yet."
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
