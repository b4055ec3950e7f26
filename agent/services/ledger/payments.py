"""Recording money received: partial payments, overpayment and currency checks, idempotency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.errors import (
    Conflict,
    CurrencyMismatch,
    InvalidAmount,
    InvalidDate,
    InvalidInput,
    InvalidTransition,
    InvoiceClosed,
    NotFound,
    PaymentExceedsBalance,
)
from agent.models import EventKind, Invoice, Lifecycle, Payment
from agent.models.base import utcnow
from agent.money import format_plain, normalise_currency
from agent.services.access.ownership import require_owner, scoped
from agent.services.ledger import changes, history, invoices
from agent.services.webhooks import webhooks
from agent.settings import Settings


@dataclass(frozen=True)
class PaymentOutcome:
    payment: Payment
    created: bool
    balance_minor: int

    @property
    def settled(self) -> bool:
        return self.balance_minor == 0


def find_by_external_id(session: Session, *, external_id: str) -> Payment | None:
    return session.exec(select(Payment).where(Payment.external_id == external_id)).first()


def record(
    session: Session,
    *,
    invoice_id: int,
    amount_minor: int,
    currency: str,
    payment_date: date,
    actor: Actor,
    method: str | None = None,
    reference: str | None = None,
    external_id: str | None = None,
    settings: Settings | None = None,
) -> PaymentOutcome:
    """Apply a payment to an invoice. The same ``external_id`` twice records it once."""
    invoice = invoices.lock(session, invoice_id=invoice_id, actor=actor)
    currency = normalise_currency(currency)
    if external_id:
        existing = find_by_external_id(session, external_id=external_id)
        if existing is not None:
            if (existing.invoice_id, existing.amount_minor, existing.payment_date) != (
                invoice.id,
                amount_minor,
                payment_date,
            ):
                raise Conflict(
                    f"payment {external_id!r} was already recorded with different details",
                    field="external_id",
                )
            balance = invoice.amount_minor - invoice.paid_minor
            return PaymentOutcome(payment=existing, created=False, balance_minor=balance)
    if invoice.lifecycle in (Lifecycle.VOID, Lifecycle.WRITTEN_OFF):
        raise InvoiceClosed(
            f"invoice {invoice.number} is {str(invoice.lifecycle).replace('_', ' ')}; "
            "payments on it are refused"
        )
    if amount_minor <= 0:
        raise InvalidAmount("a payment must be a positive amount", field="amount")
    if currency != invoice.currency:
        raise CurrencyMismatch(
            f"payment is in {currency} but invoice {invoice.number} is in {invoice.currency}",
            field="currency",
        )
    if payment_date > date.today():
        raise InvalidDate(
            f"payment date {payment_date} is after today; record a payment once it is received",
            field="date",
        )
    if payment_date < invoice.issue_date:
        raise InvalidDate(
            f"payment date {payment_date} is before invoice {invoice.number} was issued "
            f"({invoice.issue_date})",
            field="date",
        )
    balance = invoice.amount_minor - invoice.paid_minor
    if amount_minor > balance:
        raise PaymentExceedsBalance(
            f"payment of {format_plain(amount_minor, currency)} exceeds the outstanding "
            f"{format_plain(balance, currency)} on invoice {invoice.number}",
            field="amount",
        )
    payment = Payment(
        invoice_id=invoice.id,
        amount_minor=amount_minor,
        currency=currency,
        payment_date=payment_date,
        method=method,
        reference=reference,
        external_id=external_id or None,
        recorded_by=actor.label,
    )
    session.add(payment)
    session.flush()
    # After the flush that numbers the payment, so the invoice is written once, at commit, with
    # its new total and version together: the write lock is held for fewer statements.
    invoices.add_paid(invoice, amount_minor=amount_minor, payment_date=payment_date)
    balance -= amount_minor
    history.record(
        session,
        invoice=invoice,
        kind=EventKind.PAYMENT_RECORDED,
        actor=actor,
        data={
            "payment_id": payment.id,
            "amount": format_plain(amount_minor, currency),
            "payment_date": payment_date.isoformat(),
            "balance": format_plain(balance, currency),
            "reference": reference,
        },
    )
    if balance == 0:
        history.record(
            session,
            invoice=invoice,
            kind=EventKind.PAID,
            actor=actor,
            data={"paid_date": payment_date.isoformat()},
        )
    emit_payment_events(session, invoice=invoice, payment=payment, balance_minor=balance)
    if balance > 0:
        changes.request_rescore(
            session,
            settings=settings,
            invoice_id=invoice.id,
            kind=EventKind.PAYMENT_RECORDED,
            as_of=payment_date,
        )
    return PaymentOutcome(payment=payment, created=True, balance_minor=balance)


def emit_payment_events(
    session: Session, *, invoice: Invoice, payment: Payment, balance_minor: int
) -> None:
    """Queue payment.recorded (and invoice.paid when settled) for webhook subscribers."""
    data = {
        "payment_id": payment.id,
        "invoice_id": invoice.id,
        "invoice_number": invoice.number,
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        "payment_date": payment.payment_date.isoformat(),
        "balance_minor": balance_minor,
    }
    webhooks.emit(session, event=webhooks.PAYMENT_RECORDED, data=data, owner_id=invoice.owner_id)
    if balance_minor == 0:
        webhooks.emit(
            session,
            event=webhooks.INVOICE_PAID,
            data={k: data[k] for k in ("invoice_id", "invoice_number", "currency")}
            | {"amount_minor": invoice.amount_minor, "paid_date": payment.payment_date.isoformat()},
            owner_id=invoice.owner_id,
            event_id=f"invoice.paid:{invoice.id}",
        )


def list_for_invoice(session: Session, *, invoice_id: int) -> list[Payment]:
    query = (
        select(Payment)
        .where(Payment.invoice_id == invoice_id)
        .order_by(col(Payment.payment_date), col(Payment.id))
    )
    return list(session.exec(query))


def list_payments(
    session: Session,
    *,
    actor: Actor,
    invoice_id: int | None = None,
    after_id: int | None = None,
    limit: int = 100,
) -> list[Payment]:
    """Payments on invoices ``actor`` may see, in id (recording) order, those after
    ``after_id`` (keyset pagination)."""
    query = scoped(
        select(Payment).join(Invoice, col(Invoice.id) == Payment.invoice_id),
        actor,
        Invoice.owner_id,
    )
    query = query.order_by(col(Payment.id)).limit(limit)
    if invoice_id is not None:
        query = query.where(Payment.invoice_id == invoice_id)
    if after_id is not None:
        query = query.where(Payment.id > after_id)
    return list(session.exec(query))


def get(session: Session, *, payment_id: int, actor: Actor) -> Payment:
    """The payment, if it is on an invoice the actor may see; otherwise not found."""
    payment = session.get(Payment, payment_id)
    missing = NotFound(f"no payment with id {payment_id}", field="payment")
    if payment is None:
        raise missing
    require_owner(actor, session.get_one(Invoice, payment.invoice_id).owner_id, not_found=missing)
    return payment


def reverse(
    session: Session,
    *,
    payment_id: int,
    reason: str,
    actor: Actor,
    settings: Settings | None = None,
) -> Payment:
    """Take back a mistaken payment: kept and marked, no longer counted; the standing follows."""
    payment = get(session, payment_id=payment_id, actor=actor)
    invoice = invoices.lock(session, invoice_id=payment.invoice_id, actor=actor)
    if not reason.strip():
        raise InvalidInput("a reversal needs a reason", field="reason")
    if payment.reversed_at is not None:
        raise InvalidTransition(f"payment {payment_id} was already reversed")
    payment.reversed_at = utcnow()
    payment.reversed_by = actor.label
    payment.reversal_reason = reason.strip()
    session.add(payment)
    session.flush()
    invoices.remove_paid(session, invoice, amount_minor=payment.amount_minor)
    session.flush()
    balance = invoice.amount_minor - invoice.paid_minor
    data = {
        "payment_id": payment.id,
        "amount": format_plain(payment.amount_minor, payment.currency),
        "payment_date": payment.payment_date.isoformat(),
        "balance": format_plain(balance, invoice.currency),
        "reason": payment.reversal_reason,
    }
    history.record(
        session, invoice=invoice, kind=EventKind.PAYMENT_REVERSED, actor=actor, data=data
    )
    webhooks.emit(
        session,
        event=webhooks.PAYMENT_REVERSED,
        data={
            "payment_id": payment.id,
            "invoice_id": invoice.id,
            "invoice_number": invoice.number,
            "amount_minor": payment.amount_minor,
            "currency": payment.currency,
            "balance_minor": balance,
            "reason": payment.reversal_reason,
        },
        owner_id=invoice.owner_id,
        event_id=f"payment.reversed:{payment.id}",
    )
    changes.request_rescore(
        session,
        settings=settings,
        invoice_id=invoice.id,
        kind=EventKind.PAYMENT_REVERSED,
        as_of=date.today(),
    )
    return payment
