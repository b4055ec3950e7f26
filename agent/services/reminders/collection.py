"""The end of the ladder: a person decides on collection; paytrack never sends anything.

Once an invoice has had its last reminder (its days overdue are past the last reminder
milestone) and ``collection_wait_days`` have passed since a reminder was last sent, the sweep
opens one "hand over to collection" task for its owner — once per invoice, ever.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.models import CollectionCase, EventKind, Invoice, InvoiceEvent, Lifecycle
from agent.models.notification import FollowUpTask
from agent.services.ledger import history, invoices
from agent.services.ledger.standing import Standing, State, derive
from agent.services.reminders.milestones import Schedule
from agent.settings import Settings

HANDOVER = "Hand over to collection"


def last_reminder_date(session: Session, *, invoice_id: int) -> date | None:
    """The day the invoice's latest reminder was sent (UTC), or None."""
    latest = session.exec(
        select(func.max(InvoiceEvent.occurred_at)).where(
            InvoiceEvent.invoice_id == invoice_id,
            InvoiceEvent.kind == EventKind.REMINDER_SENT.value,
        )
    ).one()
    return latest.date() if latest is not None else None


def due_for_handover(session: Session, *, as_of: date, settings: Settings) -> list[int]:
    """Invoices whose ladder has run out and whose last reminder is at least the wait old.

    One query: each candidate comes with its paid total and its last reminder, so the cost
    follows the invoices that had reminders, not one round trip per overdue invoice.
    """
    schedule = Schedule.from_settings(settings)
    last_milestone = max(schedule.overdue_days, default=0)
    last_sent = (
        select(InvoiceEvent.invoice_id, func.max(InvoiceEvent.occurred_at).label("sent_at"))
        .where(InvoiceEvent.kind == EventKind.REMINDER_SENT.value)
        .group_by(col(InvoiceEvent.invoice_id))
        .subquery()
    )
    query = (
        select(Invoice, invoices.paid_as_of(as_of), last_sent.c.sent_at)
        .join(last_sent, last_sent.c.invoice_id == Invoice.id)
        .where(Invoice.lifecycle == Lifecycle.SENT)
        .where(Invoice.due_date <= as_of - timedelta(days=last_milestone))
        .where(col(Invoice.id).not_in(select(CollectionCase.invoice_id)))
        .order_by(col(Invoice.id))
        .execution_options(yield_per=1_000)
    )
    return [
        invoice.id
        for invoice, paid, sent_at in session.exec(query)
        if _due(
            invoice,
            standing=derive(
                invoice, paid_minor=int(paid), as_of=as_of, due_soon_days=settings.due_soon_days
            ),
            last_reminder=_day_of(sent_at),
            as_of=as_of,
            settings=settings,
        )
    ]


def _day_of(value: datetime | str) -> date:
    """The day of a reminder timestamp, as ``last_reminder_date`` takes it."""
    return (value if isinstance(value, datetime) else datetime.fromisoformat(value)).date()


def _due(
    invoice: Invoice,
    *,
    standing: Standing,
    last_reminder: date | None,
    as_of: date,
    settings: Settings,
) -> bool:
    """The hand-over rule: still open, not disputed or paused, last reminder the wait ago."""
    if not standing.is_open or standing.state is State.DISPUTED or invoice.reminders_paused:
        return False
    if last_reminder is None:
        return False
    return (as_of - last_reminder).days >= settings.collection_wait_days


def _ready(session: Session, *, invoice_id: int, as_of: date, settings: Settings) -> bool:
    invoice = invoices.get(session, invoice_id=invoice_id, actor=Actor.system("collection"))
    standing = invoices.standing(
        session, invoice=invoice, as_of=as_of, due_soon_days=settings.due_soon_days
    )
    last = last_reminder_date(session, invoice_id=invoice_id)
    return _due(invoice, standing=standing, last_reminder=last, as_of=as_of, settings=settings)


def open_handover(
    session: Session, *, invoice_id: int, as_of: date, settings: Settings, actor: Actor
) -> CollectionCase | None:
    """Open the task and the case, re-checking under the row lock; None when no longer due."""
    invoice = invoices.lock(session, invoice_id=invoice_id, actor=actor)
    already = session.exec(
        select(CollectionCase).where(CollectionCase.invoice_id == invoice_id)
    ).first()
    if already is not None or not _ready(
        session, invoice_id=invoice_id, as_of=as_of, settings=settings
    ):
        return None
    last = last_reminder_date(session, invoice_id=invoice_id)
    assert last is not None  # _ready checked it
    task = FollowUpTask(
        invoice_id=invoice.id,
        owner_id=invoice.owner_id,
        reason=(
            f"{HANDOVER}: the last reminder went out on {last} and {invoice.number} is still "
            f"unpaid. Decide whether to send it to collection; export the case file with "
            f"`paytrack charges case {invoice.number}`. paytrack sends nothing itself."
        ),
        due_date=as_of,
    )
    session.add(task)
    session.flush()
    case = CollectionCase(
        invoice_id=invoice.id,
        owner_id=invoice.owner_id,
        task_id=task.id,
        last_reminder_date=last,
        opened_date=as_of,
    )
    session.add(case)
    session.flush()
    history.record(
        session,
        invoice=invoice,
        kind=EventKind.COLLECTION_HANDOVER,
        actor=actor,
        data={"task_id": task.id, "last_reminder_date": last.isoformat()},
        bump_version=False,
    )
    return case
