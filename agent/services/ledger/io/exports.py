"""Exporting invoices to CSV or ``.xlsx`` with their standing on a given day.

The columns use the import's field names, so an export re-imports into an empty database
and reproduces the invoices (payments come back as one payment per invoice, dated on the
last payment day). Every text cell is neutralised against formula injection.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from sqlmodel import Session, col

from agent.db import select_many
from agent.models import Client, Invoice, User
from agent.money import to_decimal
from agent.services.ledger import invoices
from agent.services.ledger.io.spreadsheet import Value, safe_cell
from agent.services.ledger.standing import derive

INVOICE_COLUMNS = (
    "number",
    "client",
    "client_email",
    "client_language",
    "owner",
    "issue_date",
    "due_date",
    "terms",
    "currency",
    "amount",
    "amount_paid",
    "paid_date",
    "outstanding",
    "status",
    "days_overdue",
    "disputed",
    "payment_method",
    "reference",
    "notes",
)


def invoice_rows(session: Session, *, as_of: date, due_soon_days: int) -> Iterator[list[Value]]:
    """One row per invoice (in number order) with payments dated on or before ``as_of``."""
    query = (
        select_many(
            Invoice,
            Client,
            User,
            invoices.paid_as_of(as_of),
            invoices.last_paid_as_of(as_of),
        )
        .join(Client, col(Client.id) == Invoice.client_id)
        .join(User, col(User.id) == Invoice.owner_id)
        .order_by(col(Invoice.number))
        .execution_options(yield_per=1_000)  # memory stays flat however large the ledger
    )
    for invoice, client, owner, paid_sum, last_paid in session.exec(query):
        paid_minor = int(paid_sum or 0)
        standing = derive(invoice, paid_minor=paid_minor, as_of=as_of, due_soon_days=due_soon_days)
        money = lambda minor, c=invoice.currency: to_decimal(minor, c)  # noqa: E731
        yield [
            invoice.number,
            client.name,
            client.contact_emails[0] if client.contact_emails else None,
            client.language,
            f"{owner.name} <{owner.email}>",
            invoice.issue_date,
            invoice.due_date,
            invoice.terms_days,
            invoice.currency,
            money(invoice.amount_minor),
            money(paid_minor) if paid_minor else None,
            _as_date(last_paid) if paid_minor else None,
            money(standing.outstanding_minor),
            standing.state.value,
            standing.days_overdue,
            "yes" if invoice.dispute_opened_date is not None else "no",
            invoice.payment_method,
            invoice.reference,
            invoice.notes,
        ]


def _as_date(value: date | str) -> date:
    """SQLite hands back ``max()`` of a date column as text."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def export_invoices(session: Session, *, path: Path, as_of: date, due_soon_days: int) -> int:
    """Write every invoice to ``path`` (``.xlsx`` by extension, else CSV); returns the count."""
    rows = (
        [safe_cell(v) for v in row]
        for row in invoice_rows(session, as_of=as_of, due_soon_days=due_soon_days)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        return _write_xlsx(path, rows)
    return _write_csv(path, rows)


def _write_csv(path: Path, rows: Iterator[list[Value]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(INVOICE_COLUMNS)
        for row in rows:
            writer.writerow(["" if v is None else _text(v) for v in row])
            count += 1
    return count


def _text(value: Value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _write_xlsx(path: Path, rows: Iterator[list[Value]]) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Invoices")
    sheet.append(list(INVOICE_COLUMNS))
    count = 0
    for row in rows:
        sheet.append(row)
        count += 1
    workbook.save(path)
    return count
