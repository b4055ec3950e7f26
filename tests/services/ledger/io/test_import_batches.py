"""The batched import writes exactly what the per-row ledger services would have written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from agent.actor import Actor
from agent.models import EventKind, Invoice, InvoiceCreate, InvoiceEvent, Payment
from agent.services.ledger import invoices, payments
from agent.services.ledger.io.imports import batch_writer
from agent.services.ledger.io.imports.invoice_rows import (
    INVOICE_SYNONYMS,
    parse_invoice_rows,
)
from agent.services.ledger.io.imports.invoices import import_invoices
from agent.services.ledger.io.imports.reading import Table, resolve_columns
from tests.factories import make_client, make_user
from tests.services.ledger.io.import_options import options

ACTOR = Actor.system("import:test")
OPTIONS = options()
FILE = (
    "number,client,issue date,due date,amount,amount paid,paid date,disputed,terms\n"
    "B-1,Acme,2026-01-01,2026-01-31,100.00,,,no,\n"
    "B-2,Acme,2026-01-02,,250.00,250.00,2026-01-20,yes,14\n"
    "B-3,Acme,2026-01-03,2026-02-15,80.00,30.00,2026-01-25,yes,\n"
    "B-4,Acme,2026-01-04,,99.99,10.00,2026-01-05,no,\n"
    "B-5,Acme,2026-01-05,2026-03-01,12.00,12.00,2026-02-01,no,\n"
)
SKIP = {"id", "created_at", "updated_at", "occurred_at", "invoice_id", "payment_id"}


def _per_row(session: Session, path: Path) -> None:
    """What the importer did before batching: the ledger services, one row at a time."""
    table = Table(path)
    columns = resolve_columns(table.headers, synonyms=INVOICE_SYNONYMS, mapping={})
    records, problems = parse_invoice_rows(
        table.rows(), columns=columns, options=OPTIONS, repeated={}
    )
    assert problems == []
    for record in records:
        settled = record.paid_minor >= record.amount_minor
        invoice = invoices.create(
            session,
            InvoiceCreate(
                number=record.number,
                client_id=1,
                owner_id=1,
                issue_date=record.issue_date,
                due_date=record.due_date,
                terms_days=record.terms_days,
                currency=record.currency,
                amount_minor=record.amount_minor,
            ),
            actor=ACTOR,
            event_kind=EventKind.IMPORTED,
            event_data={"source": path.name, "line": record.line}
            | ({"disputed": True} if record.disputed and settled else {}),
        )
        if record.paid_minor:
            assert record.paid_date is not None
            payments.record(
                session,
                invoice_id=invoice.id,
                amount_minor=record.paid_minor,
                currency=record.currency,
                payment_date=record.paid_date,
                actor=ACTOR,
                reference=f"imported (line {record.line})",
                external_id=f"import:{record.number}:paid",
            )
        if record.disputed and record.paid_minor < record.amount_minor:
            invoices.open_dispute(
                session,
                invoice_id=invoice.id,
                reason=f"marked disputed in {path.name}",
                opened_date=record.issue_date,
                actor=ACTOR,
            )
    session.flush()


def _snapshot(session: Session) -> dict[str, list[dict[str, Any]]]:
    def rows(model: type[SQLModel], order: Any) -> list[dict[str, Any]]:
        found = session.exec(select(model).order_by(*order)).all()
        return [{k: v for k, v in r.model_dump().items() if k not in SKIP} for r in found]

    events = [
        {"number": number, "kind": kind, "actor": actor, "data": _without_ids(data)}
        for number, kind, actor, data in session.exec(
            select(
                col(Invoice.number),
                col(InvoiceEvent.kind),
                col(InvoiceEvent.actor),
                col(InvoiceEvent.data),
            )
            .join(Invoice, col(Invoice.id) == InvoiceEvent.invoice_id)
            .order_by(col(Invoice.number), col(InvoiceEvent.id))
        )
    ]
    return {
        "invoices": rows(Invoice, [Invoice.number]),
        "payments": rows(Payment, [Payment.external_id]),
        "events": events,
    }


def _without_ids(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "payment_id"}


def test_batched_import_matches_the_per_row_services(
    engine: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    path = tmp_path / "batch.csv"
    path.write_text(FILE)
    monkeypatch.setattr(batch_writer, "BATCH", 2)  # several batches, one of them partial
    with Session(engine) as session:
        make_user(session, name="Ann", email="ann@example.com")
        make_client(session, name="Acme", default_terms_days=30)
        session.commit()
        _per_row(session, path)
        expected = _snapshot(session)
        session.rollback()
        summary = import_invoices(session, path=path, mapping={}, options=OPTIONS, actor=ACTOR)
        session.flush()
        got = _snapshot(session)
    assert (summary.created, summary.payments_recorded, summary.disputes_opened) == (5, 4, 1)
    assert got == expected
    assert [i["paid_minor"] for i in got["invoices"]] == [0, 25_000, 3_000, 1_000, 1_200]
