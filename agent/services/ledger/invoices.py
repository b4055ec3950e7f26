"""Invoice lifecycle rules: open, send, extend, dispute, promise, reassign, note, close."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, SQLColumnExpression, case, func, or_
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.db import hold_write_lock
from agent.errors import (
    DuplicateInvoiceNumber,
    Forbidden,
    InvalidDate,
    InvalidInput,
    InvalidTransition,
    InvoiceClosed,
    InvoiceNotFound,
)
from agent.inputs import invalid_input
from agent.models import Client, EventKind, Invoice, InvoiceCreate, Lifecycle, Payment, User
from agent.money import format_plain, normalise_currency
from agent.services.access import users
from agent.services.access.ownership import may_act_on, require_owner
from agent.services.ledger import changes, clients, history
from agent.services.ledger.standing import Standing, State, derive
from agent.settings import Settings


@dataclass(frozen=True)
class InvoiceRow:
    """An invoice with its client, owner and standing as of one day: what lists show."""

    invoice: Invoice
    client: Client
    owner: User
    standing: Standing


def create(
    session: Session,
    data: InvoiceCreate,
    *,
    actor: Actor,
    event_kind: EventKind = EventKind.CREATED,
    event_data: dict[str, object] | None = None,
) -> Invoice:
    """Open an invoice; the due date comes from the terms when not given."""
    try:
        data = InvoiceCreate.model_validate(data.model_dump())
    except ValidationError as exc:
        raise invalid_input(exc) from None
    client = clients.get(session, client_id=data.client_id)
    users.get(session, user_id=data.owner_id)
    if not may_act_on(actor, data.owner_id):
        raise Forbidden("an owner opens invoices in their own name only", field="owner_id")
    currency = normalise_currency(data.currency)
    number = data.number.strip()
    if find_by_number(session, number=number) is not None:
        raise DuplicateInvoiceNumber(f"invoice {number} already exists", field="number")
    terms = data.terms_days
    due_date = data.due_date
    if due_date is None:
        terms = client.default_terms_days if terms is None else terms
        due_date = data.issue_date + timedelta(days=terms)
    if due_date < data.issue_date:
        raise InvalidDate(
            f"due date {due_date} is before issue date {data.issue_date}", field="due_date"
        )
    invoice = Invoice(
        number=number,
        client_id=client.id,
        owner_id=data.owner_id,
        issue_date=data.issue_date,
        due_date=due_date,
        original_due_date=due_date,
        currency=currency,
        amount_minor=data.amount_minor,
        terms_days=terms if terms is not None else (due_date - data.issue_date).days,
        payment_method=data.payment_method,
        reference=data.reference,
        document_url=data.document_url,
        notes=data.notes,
        lifecycle=data.lifecycle,
        sent_date=data.issue_date if data.lifecycle == Lifecycle.SENT else None,
    )
    session.add(invoice)
    session.flush()
    summary = {
        "number": number,
        "amount": format_plain(invoice.amount_minor, currency),
        "due_date": due_date.isoformat(),
    }
    history.record(
        session, invoice=invoice, kind=event_kind, actor=actor, data=summary | (event_data or {})
    )
    return invoice


def _not_found(invoice_id: int) -> InvoiceNotFound:
    return InvoiceNotFound(f"no invoice with id {invoice_id}", field="invoice")


def get(session: Session, *, invoice_id: int, actor: Actor) -> Invoice:
    """The invoice, if the actor may see it; another owner's invoice is not found."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise _not_found(invoice_id)
    require_owner(actor, invoice.owner_id, not_found=_not_found(invoice_id))
    return invoice


def get_many(session: Session, *, invoice_ids: list[int], actor: Actor) -> dict[int, Invoice]:
    """The invoices by id in one query, each under the same access rule as ``get``."""
    loaded = session.exec(select(Invoice).where(col(Invoice.id).in_(invoice_ids)))
    found: dict[int, Invoice] = {invoice.id: invoice for invoice in loaded if invoice.id}
    for invoice_id in invoice_ids:
        invoice = found.get(invoice_id)
        if invoice is None:
            raise _not_found(invoice_id)
        require_owner(actor, invoice.owner_id, not_found=_not_found(invoice_id))
    return found


def find_by_number(session: Session, *, number: str) -> Invoice | None:
    return session.exec(select(Invoice).where(Invoice.number == number.strip())).first()


def get_by_number(session: Session, *, number: str) -> Invoice:
    invoice = find_by_number(session, number=number)
    if invoice is None:
        raise InvoiceNotFound(f"no invoice numbered {number!r}", field="number")
    return invoice


def lock(session: Session, *, invoice_id: int, actor: Actor) -> Invoice:
    """Re-read the invoice under a lock so concurrent changes to what is owed serialise.

    PostgreSQL locks the row; SQLite takes the database write lock (``hold_write_lock``).
    The access rule applies: another owner's invoice is not found.
    """
    hold_write_lock(session)
    query = select(Invoice).where(Invoice.id == invoice_id).with_for_update()
    invoice = session.exec(query.execution_options(populate_existing=True)).first()
    if invoice is None:
        raise _not_found(invoice_id)
    require_owner(actor, invoice.owner_id, not_found=_not_found(invoice_id))
    return invoice


def payment_counts() -> ColumnElement[bool]:
    """The condition every sum of payments applies: reversed payments no longer count."""
    return col(Payment.reversed_at).is_(None)


def paid_total() -> SQLColumnExpression[int]:
    """Everything paid on the outer query's invoice (the maintained total)."""
    return col(Invoice.paid_minor)


def paid_minor(session: Session, *, invoice_id: int, as_of: date | None = None) -> int:
    """Sum of payments on the invoice, only those dated on or before ``as_of`` when given."""
    query = select(paid_as_of(as_of)).where(Invoice.id == invoice_id)
    return int(session.exec(query).one_or_none() or 0)


@lru_cache(maxsize=64)
def paid_as_of(as_of: date | None = None) -> SQLColumnExpression[int]:
    """Paid on the outer query's invoice by ``as_of`` (everything when None), exact for any day.

    The maintained ``Invoice.paid_minor`` answers whenever the invoice's last payment is dated
    by ``as_of`` (every as-of-today read); only an earlier day sums that invoice's payments.
    Built once per day (an immutable expression): a sweep asks for it a few times per client.
    """
    if as_of is None:
        return col(Invoice.paid_minor)
    earlier = (
        select(func.coalesce(func.sum(Payment.amount_minor), 0))
        .where(Payment.invoice_id == Invoice.id, Payment.payment_date <= as_of, payment_counts())
        .scalar_subquery()
    )
    return case(
        (
            or_(col(Invoice.last_payment_date).is_(None), col(Invoice.last_payment_date) <= as_of),
            col(Invoice.paid_minor),
        ),
        else_=earlier,
    )


def last_paid_as_of(as_of: date) -> ColumnElement[date | None]:
    """The outer query's invoice's last payment date on or before ``as_of`` (None if none)."""
    earlier = (
        select(func.max(Payment.payment_date))
        .where(Payment.invoice_id == Invoice.id, Payment.payment_date <= as_of, payment_counts())
        .scalar_subquery()
    )
    return case(
        (
            or_(col(Invoice.last_payment_date).is_(None), col(Invoice.last_payment_date) <= as_of),
            col(Invoice.last_payment_date),
        ),
        else_=earlier,
    )


def add_paid(invoice: Invoice, *, amount_minor: int, payment_date: date) -> None:
    """Keep the maintained paid total exact: every payment written goes through here."""
    invoice.paid_minor += amount_minor
    if invoice.last_payment_date is None or payment_date > invoice.last_payment_date:
        invoice.last_payment_date = payment_date


def remove_paid(session: Session, invoice: Invoice, *, amount_minor: int) -> None:
    """A payment no longer counts (reversed): the maintained total and last date follow."""
    invoice.paid_minor -= amount_minor
    invoice.last_payment_date = session.exec(
        select(func.max(Payment.payment_date)).where(
            Payment.invoice_id == invoice.id, payment_counts()
        )
    ).one()
    session.add(invoice)


def standing(session: Session, *, invoice: Invoice, as_of: date, due_soon_days: int) -> Standing:
    paid = paid_minor(session, invoice_id=invoice.id, as_of=as_of)
    return derive(invoice, paid_minor=paid, as_of=as_of, due_soon_days=due_soon_days)


def list_rows(
    session: Session,
    *,
    as_of: date,
    due_soon_days: int,
    states: Sequence[State] | None = None,
    owner_id: int | None = None,
    client_id: int | None = None,
    overdue_only: bool = False,
    limit: int | None = None,
) -> list[InvoiceRow]:
    """Invoices issued by ``as_of`` with their standing, filtered on derived state."""
    query = (
        select(Invoice, Client, User, paid_as_of(as_of))
        .join(Client, col(Client.id) == Invoice.client_id)
        .join(User, col(User.id) == Invoice.owner_id)
        .where(Invoice.issue_date <= as_of)
        .order_by(col(Invoice.due_date), col(Invoice.number))
    )
    if owner_id is not None:
        query = query.where(Invoice.owner_id == owner_id)
    if client_id is not None:
        query = query.where(Invoice.client_id == client_id)
    wanted = set(states or [])
    if overdue_only:
        wanted = (wanted or {State.OVERDUE}) & {State.OVERDUE}
    rows: list[InvoiceRow] = []
    for invoice, client, owner, paid_sum in session.exec(query):
        current = derive(
            invoice, paid_minor=int(paid_sum), as_of=as_of, due_soon_days=due_soon_days
        )
        if wanted and current.state not in wanted:
            continue
        rows.append(InvoiceRow(invoice=invoice, client=client, owner=owner, standing=current))
        if limit is not None and len(rows) >= limit:
            break
    return rows


def _require_open(session: Session, invoice: Invoice, action: str) -> None:
    if invoice.lifecycle in (Lifecycle.VOID, Lifecycle.WRITTEN_OFF):
        raise InvoiceClosed(
            f"invoice {invoice.number} is {str(invoice.lifecycle).replace('_', ' ')}; "
            f"cannot {action}"
        )
    if paid_minor(session, invoice_id=invoice.id) >= invoice.amount_minor:
        raise InvalidTransition(f"invoice {invoice.number} is already paid; cannot {action}")


def _changed(
    session: Session,
    invoice: Invoice,
    kind: EventKind,
    *,
    actor: Actor,
    data: dict[str, Any],
    settings: Settings | None = None,
    rescore_as_of: date | None = None,
) -> Invoice:
    """The end of every lifecycle change (lock → check → set → here): record it in the
    history and, for changes that may move the risk, ask for a re-score as of ``rescore_as_of``
    (done after the commit, so a write never waits on the model)."""
    history.record(session, invoice=invoice, kind=kind, actor=actor, data=data)
    if rescore_as_of is not None:
        changes.request_rescore(
            session, settings=settings, invoice_id=invoice.id, kind=kind, as_of=rescore_as_of
        )
    return invoice


def mark_sent(session: Session, *, invoice_id: int, sent_date: date, actor: Actor) -> Invoice:
    """draft → sent."""
    invoice = lock(session, invoice_id=invoice_id, actor=actor)
    if invoice.lifecycle != Lifecycle.DRAFT:
        raise InvalidTransition(
            f"invoice {invoice.number} is {invoice.lifecycle!s}, only a draft can be sent"
        )
    if sent_date < invoice.issue_date:
        raise InvalidDate(f"sent date {sent_date} is before the issue date", field="sent_date")
    invoice.lifecycle = Lifecycle.SENT
    invoice.sent_date = sent_date
    return _changed(
        session,
        invoice,
        EventKind.SENT,
        actor=actor,
        data={"sent_date": sent_date.isoformat()},
    )
    return invoice


def extend_due_date(
    session: Session,
    *,
    invoice_id: int,
    new_due_date: date,
    reason: str,
    actor: Actor,
    settings: Settings | None = None,
    agreed: bool = False,
) -> Invoice:
    """Move the due date later; the original due date stays for statistics.

    ``agreed``: the extension was agreed with the client, so late-payment interest runs from
    the new date (otherwise from the original one).
    """
    invoice = lock(session, invoice_id=invoice_id, actor=actor)
    _require_open(session, invoice, "extend the due date")
    if not reason.strip():
        raise InvalidInput("an extension needs a reason", field="reason")
    if new_due_date <= invoice.due_date:
        raise InvalidDate(
            f"new due date {new_due_date} is not after the current due date {invoice.due_date}",
            field="new_due_date",
        )
    previous = invoice.due_date
    invoice.due_date = new_due_date
    return _changed(
        session,
        invoice,
        EventKind.DUE_DATE_EXTENDED,
        actor=actor,
        data={
            "from": previous.isoformat(),
            "to": new_due_date.isoformat(),
            "original_due_date": invoice.original_due_date.isoformat(),
            "reason": reason.strip(),
        }
        | ({"agreed": True} if agreed else {}),
        settings=settings,
        rescore_as_of=date.today(),
    )


def open_dispute(
    session: Session,
    *,
    invoice_id: int,
    reason: str,
    opened_date: date,
    actor: Actor,
    settings: Settings | None = None,
    source: dict[str, object] | None = None,
) -> Invoice:
    """``source`` names what prompted the change (e.g. a client's reply) in the history."""
    invoice = lock(session, invoice_id=invoice_id, actor=actor)
    _require_open(session, invoice, "open a dispute")
    if invoice.dispute_opened_date is not None:
        raise InvalidTransition(f"invoice {invoice.number} already has an open dispute")
    if not reason.strip():
        raise InvalidInput("a dispute needs a reason", field="reason")
    invoice.dispute_opened_date = opened_date
    invoice.dispute_reason = reason.strip()
    return _changed(
        session,
        invoice,
        EventKind.DISPUTE_OPENED,
        actor=actor,
        data={"opened_date": opened_date.isoformat(), "reason": reason.strip()}
        | ({"source": source} if source else {}),
        settings=settings,
        rescore_as_of=opened_date,
    )


def resolve_dispute(
    session: Session,
    *,
    invoice_id: int,
    resolution: str,
    resolved_date: date,
    actor: Actor,
    settings: Settings | None = None,
) -> Invoice:
    invoice = lock(session, invoice_id=invoice_id, actor=actor)
    if invoice.dispute_opened_date is None:
        raise InvalidTransition(f"invoice {invoice.number} has no open dispute")
    if resolved_date < invoice.dispute_opened_date:
        raise InvalidDate("a dispute cannot be resolved before it opened", field="resolved_date")
    opened = invoice.dispute_opened_date
    invoice.dispute_opened_date = None
    invoice.dispute_reason = None
    return _changed(
        session,
        invoice,
        EventKind.DISPUTE_RESOLVED,
        actor=actor,
        data={
            "opened_date": opened.isoformat(),
            "resolved_date": resolved_date.isoformat(),
            "resolution": resolution.strip(),
        },
        settings=settings,
        rescore_as_of=resolved_date,
    )


def record_promise(
    session: Session,
    *,
    invoice_id: int,
    promised_date: date,
    note: str,
    actor: Actor,
    settings: Settings | None = None,
    source: dict[str, object] | None = None,
) -> Invoice:
    """The client promised to pay by ``promised_date`` (``source``: what told us so)."""
    invoice = lock(session, invoice_id=invoice_id, actor=actor)
    _require_open(session, invoice, "record a promise to pay")
    if promised_date < invoice.issue_date:
        raise InvalidDate("a promise cannot be dated before the issue date", field="promised_date")
    invoice.promised_date = promised_date
    return _changed(
        session,
        invoice,
        EventKind.PROMISE_RECORDED,
        actor=actor,
        data={"promised_date": promised_date.isoformat(), "note": note.strip()}
        | ({"source": source} if source else {}),
        settings=settings,
        rescore_as_of=date.today(),
    )


def set_owner(session: Session, *, invoice_id: int, owner_id: int, actor: Actor) -> Invoice:
    """The ledger half of a reassignment; callers use ``review.reviews.reassign_owner``."""
    invoice = lock(session, invoice_id=invoice_id, actor=actor)
    new_owner = users.get(session, user_id=owner_id)
    if invoice.owner_id == owner_id:
        return invoice
    previous = users.get(session, user_id=invoice.owner_id)
    invoice.owner_id = owner_id
    data = {"from": previous.email, "to": new_owner.email}
    return _changed(session, invoice, EventKind.OWNER_REASSIGNED, actor=actor, data=data)


def add_note(session: Session, *, invoice_id: int, text: str, actor: Actor) -> Invoice:
    invoice = lock(session, invoice_id=invoice_id, actor=actor)
    if not text.strip():
        raise InvalidInput("a note cannot be empty", field="text")
    return _changed(
        session, invoice, EventKind.NOTE_ADDED, actor=actor, data={"text": text.strip()}
    )


def paused_on(invoice: Invoice, day: date) -> bool:
    """Are the invoice's reminders paused on ``day``? A pause with an end date lapses then."""
    until = invoice.reminders_paused_until
    return invoice.reminders_paused and (until is None or day < until)


def set_reminders_paused(
    session: Session,
    *,
    invoice_id: int,
    paused: bool,
    reason: str,
    actor: Actor,
    until: date | None = None,
) -> Invoice:
    """Pause (optionally until a day, when reminders resume by themselves) or resume."""
    invoice = lock(session, invoice_id=invoice_id, actor=actor)
    if paused and until is not None and until <= date.today():
        raise InvalidDate("pause until a day after today", field="until")
    until = until if paused else None
    if (invoice.reminders_paused, invoice.reminders_paused_until) == (paused, until):
        return invoice
    invoice.reminders_paused = paused
    invoice.reminders_paused_until = until
    kind = EventKind.REMINDERS_PAUSED if paused else EventKind.REMINDERS_RESUMED
    data: dict[str, str] = {"reason": reason}
    if until is not None:
        data["until"] = until.isoformat()
    history.record(session, invoice=invoice, kind=kind, actor=actor, data=data)
    return invoice


def write_off(
    session: Session, *, invoice_id: int, closed_date: date, reason: str, actor: Actor
) -> Invoice:
    """Give up on the balance; payments already received stay."""
    invoice = lock(session, invoice_id=invoice_id, actor=actor)
    _require_open(session, invoice, "write it off")
    if not reason.strip():
        raise InvalidInput("a write-off needs a reason", field="reason")
    balance = invoice.amount_minor - paid_minor(session, invoice_id=invoice.id)
    invoice.lifecycle = Lifecycle.WRITTEN_OFF
    invoice.closed_date = closed_date
    return _changed(
        session,
        invoice,
        EventKind.WRITTEN_OFF,
        actor=actor,
        data={
            "closed_date": closed_date.isoformat(),
            "reason": reason.strip(),
            "written_off": format_plain(balance, invoice.currency),
        },
    )


def void(
    session: Session, *, invoice_id: int, closed_date: date, reason: str, actor: Actor
) -> Invoice:
    """Cancel an invoice that should never have existed; refused once money was received."""
    invoice = lock(session, invoice_id=invoice_id, actor=actor)
    _require_open(session, invoice, "void it")
    if paid_minor(session, invoice_id=invoice.id) > 0:
        raise InvalidTransition(
            f"invoice {invoice.number} has payments; write it off or refund instead of voiding"
        )
    if not reason.strip():
        raise InvalidInput("voiding needs a reason", field="reason")
    invoice.lifecycle = Lifecycle.VOID
    invoice.closed_date = closed_date
    return _changed(
        session,
        invoice,
        EventKind.VOIDED,
        actor=actor,
        data={"closed_date": closed_date.isoformat(), "reason": reason.strip()},
    )


# The descriptive fields a caller may change after issue; amounts, dates, client and number are
# ledger facts that change only through their own actions (extend, write off, void …).
EDITABLE_DETAILS = ("payment_method", "reference", "document_url", "notes")
_DETAIL_LIMITS = {"payment_method": 64, "reference": 200, "document_url": 2000}


def update_details(
    session: Session, *, invoice_id: int, changes: dict[str, str | None], actor: Actor
) -> Invoice:
    """Change descriptive fields (``EDITABLE_DETAILS``); records what changed from what."""
    invoice = lock(session, invoice_id=invoice_id, actor=actor)
    changed: dict[str, dict[str, str | None]] = {}
    for name, value in changes.items():
        if name not in EDITABLE_DETAILS:
            raise InvalidInput(f"{name} cannot be changed on an issued invoice", field=name)
        value = value.strip() if isinstance(value, str) else None
        value = value or None
        limit = _DETAIL_LIMITS.get(name)
        if value is not None and limit is not None and len(value) > limit:
            raise InvalidInput(f"{name} is longer than {limit} characters", field=name)
        if getattr(invoice, name) != value:
            changed[name] = {"from": getattr(invoice, name), "to": value}
            setattr(invoice, name, value)
    if changed:
        history.record(session, invoice=invoice, kind=EventKind.UPDATED, actor=actor, data=changed)
    return invoice
