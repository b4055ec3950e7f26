"""What the agent needs to know to write one client's reminder, read fresh from the ledger."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.errors import NotFound, ReferenceRateMissing, UserNotFound
from agent.models import Client, Invoice, Lifecycle, User
from agent.models.draft import MilestoneClaim
from agent.services.charges import charges
from agent.services.charges.statutes import ChargePolicy
from agent.services.ledger import clients, invoices
from agent.services.ledger.standing import State, derive
from agent.services.reminders.milestones import PRE_DUE, Schedule, overdue_name
from agent.services.review import drafts


def for_thread(
    session: Session,
    *,
    thread_id: str,
    as_of: date,
    due_soon_days: int,
    schedule: Schedule | None = None,
) -> dict[str, Any]:
    """The claimed invoices of a thread with client, owner and standing, as plain JSON data.

    Invoices paid, closed or disputed since the claim are dropped; an empty ``invoices`` list
    tells the agent there is nothing left to remind about. With a ``schedule``, the client's
    other open overdue invoices of the same owner join the list (``milestone_today`` false), so
    a reminder states everything that is owed, not only what reached a milestone today.
    """
    claimed = session.exec(
        select(MilestoneClaim, Invoice, invoices.paid_as_of(as_of))
        .join(Invoice, col(Invoice.id) == MilestoneClaim.invoice_id)
        .where(MilestoneClaim.thread_id == thread_id)
        .order_by(col(MilestoneClaim.id))
    ).all()
    if not claimed:
        raise NotFound(f"no milestone claims for thread {thread_id!r}", field="thread_id")
    rows: list[dict[str, Any]] = []
    broken_promise: date | None = None
    notes: list[str] = []
    first = claimed[0][1]
    client_id, owner_id = first.client_id, first.owner_id
    for claim, invoice, paid in claimed:
        standing = derive(invoice, paid_minor=int(paid), as_of=as_of, due_soon_days=due_soon_days)
        if not standing.is_open or standing.state.value == "disputed":
            continue
        if invoice.promised_date is not None and invoice.promised_date < as_of:
            broken_promise = max(broken_promise or invoice.promised_date, invoice.promised_date)
        if invoice.notes:
            notes.append(invoice.notes)
        rows.append(
            {
                "invoice_id": invoice.id,
                "number": invoice.number,
                "outstanding_minor": standing.outstanding_minor,
                "currency": invoice.currency,
                "due_date": invoice.due_date.isoformat(),
                "days_overdue": (as_of - invoice.due_date).days,
                "milestone": claim.milestone,
                "milestone_today": True,
                "invoice_version": invoice.version,
            }
        )
    client, owner = _client_and_owner(session, client_id=client_id, owner_id=owner_id)
    if rows and schedule is not None:
        rows += _companions(
            session,
            client=client,
            owner_id=owner_id,
            listed={row["invoice_id"] for row in rows} | {c.invoice_id for c, _i, _p in claimed},
            as_of=as_of,
            due_soon_days=due_soon_days,
            schedule=schedule,
        )
    for row in rows:
        row["charges"] = _claimed_charges(
            session, client=client, invoice_id=row["invoice_id"], as_of=as_of
        )
    if client.notes:
        notes.append(client.notes)
    return {
        "thread_id": thread_id,
        "as_of": as_of.isoformat(),
        "client": {
            "id": client.id,
            "name": client.name,
            "language": client.language,
            "country": client.country,
            "timezone": client.timezone,
            "currency": client.currency,
            "reminder_consequence": client.reminder_consequence,
            "contact_name": client.contact_name,
            "late_charges": client.late_charges,
        },
        "owner": {"id": owner.id, "name": owner.name, "email": owner.email},
        "invoices": rows,
        "broken_promise_date": broken_promise.isoformat() if broken_promise else None,
        "untrusted_notes": notes,
    }


def _client_and_owner(
    session: Session, *, client_id: int, owner_id: int | None
) -> tuple[Client, User]:
    """Both in one round trip; the usual not-found error when either is missing."""
    found = session.exec(
        select(Client, User)
        .join_from(Client, User, col(User.id) == owner_id)
        .where(Client.id == client_id)
    ).first()
    if found is None:
        clients.get(session, client_id=client_id)
        raise UserNotFound(f"no user with id {owner_id}", field="owner")
    return found[0], found[1]


def _companions(
    session: Session,
    *,
    client: Client,
    owner_id: int | None,
    listed: set[int],
    as_of: date,
    due_soon_days: int,
    schedule: Schedule,
) -> list[dict[str, Any]]:
    """The client's other open overdue invoices a reminder may state, oldest due first."""
    candidates = session.exec(
        select(Invoice, invoices.paid_as_of(as_of))
        .where(Invoice.client_id == client.id, Invoice.owner_id == owner_id)
        .where(Invoice.lifecycle == Lifecycle.SENT, Invoice.due_date < as_of)
        .where(invoices.paid_as_of(as_of) < Invoice.amount_minor)
        .where(col(Invoice.id).not_in(listed))
        .where(~drafts.on_pending_draft(Invoice.id))
        .order_by(col(Invoice.due_date), col(Invoice.id))
    ).all()
    rows = []
    for invoice, paid in candidates:
        standing = derive(invoice, paid_minor=int(paid), as_of=as_of, due_soon_days=due_soon_days)
        promised = invoice.promised_date is not None and invoice.promised_date >= as_of
        if standing.state != State.OVERDUE or promised or invoices.paused_on(invoice, as_of):
            continue
        rows.append(
            {
                "invoice_id": invoice.id,
                "number": invoice.number,
                "outstanding_minor": standing.outstanding_minor,
                "currency": invoice.currency,
                "due_date": invoice.due_date.isoformat(),
                "days_overdue": (as_of - invoice.due_date).days,
                "milestone": _milestone_passed(schedule, days_overdue=standing.days_overdue),
                "milestone_today": False,
                "invoice_version": invoice.version,
            }
        )
    return rows


def _milestone_passed(schedule: Schedule, *, days_overdue: int) -> str:
    """The last client-mail milestone an overdue invoice has passed (pre-due before the first)."""
    passed = [d for d in schedule.overdue_days if days_overdue >= d]
    return overdue_name(passed[-1]) if passed else PRE_DUE


def _claimed_charges(
    session: Session, *, client: Client, invoice_id: int, as_of: date
) -> dict[str, Any] | None:
    """The charges a ``claim`` client's reminder states; None when not claimed or not known.

    A missing reference rate leaves the reminder without amounts rather than guessing one.
    """
    if client.late_charges != ChargePolicy.CLAIM.value:
        return None
    invoice = invoices.get(session, invoice_id=invoice_id, actor=Actor.system("reminders"))
    try:
        result = charges.compute(session, invoice=invoice, client=client, as_of=as_of)
    except ReferenceRateMissing:
        return None
    return {
        "rate_percent": None if result.rate_percent is None else str(result.rate_percent),
        "interest_minor": result.interest_minor,
        "compensation_minor": result.compensation_minor,
        "reminder_fee_minor": result.reminder_fee_minor,
    }
