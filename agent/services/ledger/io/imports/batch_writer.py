"""The write stage of an invoice import: new invoices, payments and history in batches.

Rows reach here already validated (the parser and the ledger comparison apply every rule the
per-row services would), so each batch is a few multi-row inserts instead of eight statements
and two flushes per row. The rows written are exactly what ``invoices.create``,
``payments.record`` and ``invoices.open_dispute`` would have written: same fields, same history
event data and version bumps, same webhook events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session

from agent.actor import Actor
from agent.models import Client, EventKind, Invoice, InvoiceEvent, Lifecycle, Payment, User
from agent.models.base import utcnow
from agent.money import format_plain
from agent.services.ledger import payments
from agent.services.ledger.io.imports.invoice_rows import InvoiceRecord
from agent.services.webhooks import webhooks

BATCH = 1_000
# Core tables: the ORM's bulk path re-splices RETURNING rows and costs more than the inserts.
_INVOICE: Table = Invoice.__table__  # type: ignore[attr-defined]
_PAYMENT: Table = Payment.__table__  # type: ignore[attr-defined]
_EVENT: Table = InvoiceEvent.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class NewInvoice:
    """A validated row with the client and owner it will belong to."""

    record: InvoiceRecord
    client: Client
    owner: User


@dataclass
class Written:
    created: int = 0
    payments_recorded: int = 0
    disputes_opened: int = 0


def write_new(
    session: Session,
    rows: Sequence[NewInvoice],
    *,
    source: str,
    actor: Actor,
    on_batch: Callable[[int], None] | None = None,
) -> Written:
    """Insert the rows batch by batch; ``on_batch`` hears how many rows each batch held."""
    written = Written()
    for batch in _batches(rows):
        _write_batch(session, batch, source=source, actor=actor, written=written)
        if on_batch is not None:
            on_batch(len(batch))
    return written


def _batches(rows: Sequence[NewInvoice]) -> Iterator[Sequence[NewInvoice]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def _write_batch(
    session: Session, batch: Sequence[NewInvoice], *, source: str, actor: Actor, written: Written
) -> None:
    now = utcnow()
    invoice_rows = [_invoice_row(row, source=source, now=now) for row in batch]
    connection = session.connection()
    ids = connection.execute(
        insert(_INVOICE).returning(_INVOICE.c.id, sort_by_parameter_order=True), invoice_rows
    ).scalars()
    invoice_ids = list(ids)
    events: list[dict[str, Any]] = []
    paying: list[tuple[dict[str, Any], dict[str, Any]]] = []
    payment_rows: list[dict[str, Any]] = []
    for row, invoice, invoice_id in zip(batch, invoice_rows, invoice_ids, strict=True):
        invoice["id"] = invoice_id
        events.append(_event(invoice, EventKind.IMPORTED, _imported_data(row, invoice, source)))
        if row.record.paid_minor:
            payment = _payment_row(row.record, invoice_id=invoice_id, actor=actor)
            payment_rows.append(payment)
            paying.append((invoice, payment))
    payment_ids = list(
        connection.execute(
            insert(_PAYMENT).returning(_PAYMENT.c.id, sort_by_parameter_order=True), payment_rows
        ).scalars()
        if payment_rows
        else []
    )
    for (invoice, payment), payment_id in zip(paying, payment_ids, strict=True):
        payment["id"] = payment_id
        events += _payment_events(invoice, payment)
        _emit(session, invoice, payment)
    for row, invoice in zip(batch, invoice_rows, strict=True):
        if row.record.disputed and invoice["paid_minor"] < invoice["amount_minor"]:
            events.append(_event(invoice, EventKind.DISPUTE_OPENED, _dispute_data(invoice)))
            written.disputes_opened += 1
    connection.execute(
        insert(_EVENT), [e | {"actor": actor.label, "actor_user_id": actor.user_id} for e in events]
    )
    written.created += len(batch)
    written.payments_recorded += len(payment_rows)


def _invoice_row(row: NewInvoice, *, source: str, now: datetime) -> dict[str, Any]:
    """The invoice ``invoices.create`` would open, with the payment and dispute folded in."""
    record = row.record
    terms = record.terms_days
    due_date = record.due_date
    if due_date is None:
        terms = row.client.default_terms_days if terms is None else terms
        due_date = record.issue_date + timedelta(days=terms)
    paid = record.paid_minor
    disputed = record.disputed and paid < record.amount_minor
    # One version bump per history event, as history.record does on the per-row path.
    events = 1 + (paid > 0) + (paid >= record.amount_minor) + disputed
    return {
        "number": record.number.strip(),
        "client_id": row.client.id,
        "owner_id": row.owner.id,
        "issue_date": record.issue_date,
        "due_date": due_date,
        "original_due_date": due_date,
        "currency": record.currency,
        "amount_minor": record.amount_minor,
        "terms_days": terms if terms is not None else (due_date - record.issue_date).days,
        "payment_method": record.payment_method,
        "reference": record.reference,
        "document_url": record.document_url,
        "document_path": None,
        "notes": record.notes,
        "lifecycle": Lifecycle.SENT,
        "sent_date": record.issue_date,
        "closed_date": None,
        # The file does not say when the dispute began; the issue date is the earliest it could.
        "dispute_opened_date": record.issue_date if disputed else None,
        "dispute_reason": f"marked disputed in {source}" if disputed else None,
        "promised_date": None,
        "reminders_paused": False,
        "paid_minor": paid,
        "last_payment_date": record.paid_date if paid else None,
        "version": 1 + events,
        "created_at": now,
        "updated_at": now,
    }


def _imported_data(row: NewInvoice, invoice: dict[str, Any], source: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": invoice["number"],
        "amount": format_plain(invoice["amount_minor"], invoice["currency"]),
        "due_date": invoice["due_date"].isoformat(),
        "source": source,
        "line": row.record.line,
    }
    if row.record.disputed and invoice["paid_minor"] >= invoice["amount_minor"]:
        data["disputed"] = True
    return data


def _payment_row(record: InvoiceRecord, *, invoice_id: int, actor: Actor) -> dict[str, Any]:
    assert record.paid_date is not None, "a record with money paid always has a paid date"
    return {
        "invoice_id": invoice_id,
        "amount_minor": record.paid_minor,
        "currency": record.currency,
        "payment_date": record.paid_date,
        "method": record.payment_method,
        "reference": f"imported (line {record.line})",
        "external_id": f"import:{record.number}:paid",
        "recorded_by": actor.label,
        "created_at": utcnow(),
    }


def _payment_events(invoice: dict[str, Any], payment: dict[str, Any]) -> list[dict[str, Any]]:
    currency = invoice["currency"]
    balance = invoice["amount_minor"] - payment["amount_minor"]
    paid_date = payment["payment_date"].isoformat()
    recorded = {
        "payment_id": payment["id"],
        "amount": format_plain(payment["amount_minor"], currency),
        "payment_date": paid_date,
        "balance": format_plain(balance, currency),
        "reference": payment["reference"],
    }
    found = [_event(invoice, EventKind.PAYMENT_RECORDED, recorded)]
    if balance == 0:
        found.append(_event(invoice, EventKind.PAID, {"paid_date": paid_date}))
    return found


def _dispute_data(invoice: dict[str, Any]) -> dict[str, Any]:
    return {"opened_date": invoice["issue_date"].isoformat(), "reason": invoice["dispute_reason"]}


def _event(invoice: dict[str, Any], kind: EventKind, data: dict[str, Any]) -> dict[str, Any]:
    return {"invoice_id": invoice["id"], "kind": str(kind), "data": data, "occurred_at": utcnow()}


def _emit(session: Session, invoice: dict[str, Any], payment: dict[str, Any]) -> None:
    """payment.recorded (and invoice.paid) for webhook subscribers, as ``payments.record`` does."""
    if not webhooks.subscribed(session, events=(webhooks.PAYMENT_RECORDED, webhooks.INVOICE_PAID)):
        return
    payments.emit_payment_events(
        session,
        invoice=Invoice.model_construct(**invoice),
        payment=Payment.model_construct(**payment),
        balance_minor=invoice["amount_minor"] - payment["amount_minor"],
    )
