"""Owner notifications: stored once per kind, invoice and due date; read in the pages and CLI."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from agent.models import Invoice, User, UserRole
from agent.models.draft import Draft, DraftInvoice, DraftStatus
from agent.models.notification import Notification, NotificationKind
from agent.services.ledger.standing import Standing, State
from agent.services.scoring.model_health import ModelHealth
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
        when = "today" if standing.due_in_days == 0 else f"in {standing.due_in_days} days"
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
                f"Invoice {invoice.number} is {standing.days_overdue} days overdue and no "
                "reminder has been approved yet."
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
