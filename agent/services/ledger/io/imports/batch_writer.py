"""The write stage of an invoice import: new invoices, payments and history in batches.

Rows reach here already validated (the parser and the ledger comparison apply every rule the
per-row services would), so each batch is three bulk inserts (``agent.bulk``: ``executemany``,
or ``COPY`` on PostgreSQL) and two id look-ups instead of eight statements and two flushes per
row. The rows written are exactly what ``invoices.create``, ``payments.record`` and
``invoices.open_dispute`` would have written: same fields, same history event data and version
bumps, same webhook events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Table, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from agent.actor import Actor
from agent.bulk import BulkInsert, in_list
from agent.models import Client, EventKind, Invoice, InvoiceEvent, Lifecycle, Payment, User
from agent.models.base import utcnow
from agent.money import format_plain
from agent.services.ledger import payments
from agent.services.ledger.io.imports.invoice_rows import InvoiceRecord
from agent.services.webhooks import webhooks

BATCH = 1_000
_INVOICE: Table = Invoice.__table__  # type: ignore[attr-defined]
_PAYMENT: Table = Payment.__table__  # type: ignore[attr-defined]
_EVENT: Table = InvoiceEvent.__table__  # type: ignore[attr-defined]
# What the rows below carry; every other column keeps its server default or NULL.
_INVOICE_COLUMNS = (
    "number", "client_id", "owner_id", "issue_date", "due_date", "original_due_date",
    "currency", "amount_minor", "terms_days", "payment_method", "reference", "document_url",
    "document_path", "notes", "lifecycle", "sent_date", "closed_date", "dispute_opened_date",
    "dispute_reason", "promised_date", "reminders_paused", "paid_minor", "last_payment_date",
    "version", "created_at", "updated_at",
)  # fmt: skip
_PAYMENT_COLUMNS = (
    "invoice_id", "amount_minor", "currency", "payment_date", "method", "reference",
    "external_id", "recorded_by", "created_at",
)  # fmt: skip
_EVENT_COLUMNS = ("invoice_id", "kind", "occurred_at", "actor", "actor_user_id", "data")


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


class BatchWriter:
    """Writes new invoices with their payment and history, one batch at a time.

    Each batch is three bulk inserts (``agent.bulk``) and two look-ups of the ids the
    database gave: invoice numbers and the one import payment per invoice are unique, and no
    other transaction can see, let alone pay, an invoice this one has not committed yet.
    """

    def __init__(self, session: Session, *, source: str, actor: Actor) -> None:
        dialect = session.connection().dialect
        self._session, self._source, self._actor = session, source, actor
        self._invoices = BulkInsert(_INVOICE, _INVOICE_COLUMNS, dialect=dialect)
        self._payments = BulkInsert(_PAYMENT, _PAYMENT_COLUMNS, dialect=dialect)
        self._events = BulkInsert(_EVENT, _EVENT_COLUMNS, dialect=dialect)
        self._emit = webhooks.subscribed(
            session, events=(webhooks.PAYMENT_RECORDED, webhooks.INVOICE_PAID)
        )
        self.written = Written()

    def write(self, rows: Sequence[NewInvoice]) -> None:
        """Insert ``rows`` in batches of ``BATCH``."""
        for start in range(0, len(rows), BATCH):
            self._write_batch(rows[start : start + BATCH])

    def _write_batch(self, batch: Sequence[NewInvoice]) -> None:
        now = utcnow()
        connection = self._session.connection()
        invoice_rows = [_invoice_row(row, source=self._source, now=now) for row in batch]
        self._invoices.execute(connection, invoice_rows)
        ids = _ids(connection, _INVOICE.c.number, [i["number"] for i in invoice_rows])
        events: list[dict[str, Any]] = []
        paying: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for row, invoice in zip(batch, invoice_rows, strict=True):
            invoice["id"] = ids[invoice["number"]]
            data = _imported_data(row, invoice, self._source)
            events.append(_event(invoice, EventKind.IMPORTED, data, now))
            if row.record.paid_minor:
                payment = _payment_row(row.record, invoice_id=invoice["id"], actor=self._actor)
                paying.append((invoice, payment | {"created_at": now}))
        self._payments.execute(connection, [payment for _, payment in paying])
        payment_ids = _ids(connection, _PAYMENT.c.invoice_id, [i["id"] for i, _ in paying])
        for invoice, payment in paying:
            payment["id"] = payment_ids[invoice["id"]]
            events += _payment_events(invoice, payment, now)
            if self._emit:
                _emit(self._session, invoice, payment)
        for row, invoice in zip(batch, invoice_rows, strict=True):
            if row.record.disputed and invoice["paid_minor"] < invoice["amount_minor"]:
                events.append(
                    _event(invoice, EventKind.DISPUTE_OPENED, _dispute_data(invoice), now)
                )
                self.written.disputes_opened += 1
        for event in events:
            event["actor"], event["actor_user_id"] = self._actor.label, self._actor.user_id
        self._events.execute(connection, events)
        self.written.created += len(batch)
        self.written.payments_recorded += len(paying)


def _ids(connection: Connection, key: Column[Any], values: list[Any]) -> dict[Any, int]:
    """The ids of the rows just inserted, by a unique key of theirs."""
    if not values:
        return {}
    table = key.table
    query = select(key, table.c.id).where(key.in_(in_list(values)))
    return {value: row_id for value, row_id in connection.execute(query)}


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
    }


def _payment_events(
    invoice: dict[str, Any], payment: dict[str, Any], now: datetime
) -> list[dict[str, Any]]:
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
    found = [_event(invoice, EventKind.PAYMENT_RECORDED, recorded, now)]
    if balance == 0:
        found.append(_event(invoice, EventKind.PAID, {"paid_date": paid_date}, now))
    return found


def _dispute_data(invoice: dict[str, Any]) -> dict[str, Any]:
    return {"opened_date": invoice["issue_date"].isoformat(), "reason": invoice["dispute_reason"]}


def _event(
    invoice: dict[str, Any], kind: EventKind, data: dict[str, Any], now: datetime
) -> dict[str, Any]:
    return {"invoice_id": invoice["id"], "kind": str(kind), "data": data, "occurred_at": now}


def _emit(session: Session, invoice: dict[str, Any], payment: dict[str, Any]) -> None:
    """payment.recorded (and invoice.paid) for webhook subscribers, as ``payments.record`` does."""
    payments.emit_payment_events(
        session,
        invoice=Invoice.model_construct(**invoice),
        payment=Payment.model_construct(**payment),
        balance_minor=invoice["amount_minor"] - payment["amount_minor"],
    )
