"""The maintained per-invoice paid total equals the one derived from the payments, and
paid-as-of any day stays exact."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agent.demo.ledger import generate_ledger
from agent.models import Invoice, Payment
from agent.services.ledger import invoices
from tests.factories import make_invoice, pay


def mismatches(session: Session) -> list[int]:
    derived = (
        select(
            Payment.invoice_id,
            func.sum(Payment.amount_minor).label("paid"),
            func.max(Payment.payment_date).label("last"),
        )
        .group_by(col(Payment.invoice_id))
        .subquery()
    )
    query = (
        select(Invoice.id)
        .outerjoin(derived, derived.c.invoice_id == Invoice.id)
        .where(
            (col(Invoice.paid_minor) != func.coalesce(derived.c.paid, 0))
            | (
                func.coalesce(Invoice.last_payment_date, date(1, 1, 1))
                != func.coalesce(derived.c.last, date(1, 1, 1))
            )
        )
    )
    return list(session.exec(query))


def test_payments_service_keeps_the_total_and_past_days_stay_exact(session: Session) -> None:
    invoice = make_invoice(session, amount_minor=10_000, issue_date=date(2026, 1, 1))
    pay(session, invoice, amount_minor=3_000, payment_date=date(2026, 2, 10))
    pay(session, invoice, amount_minor=2_000, payment_date=date(2026, 1, 20))
    session.flush()
    session.refresh(invoice)
    assert (invoice.paid_minor, invoice.last_payment_date) == (5_000, date(2026, 2, 10))
    assert mismatches(session) == []
    expected = {
        date(2026, 1, 19): 0,
        date(2026, 1, 20): 2_000,
        date(2026, 2, 9): 2_000,
        date(2026, 2, 10): 5_000,
        date(2026, 12, 31): 5_000,
    }
    for day, paid in expected.items():
        assert invoices.paid_minor(session, invoice_id=invoice.id, as_of=day) == paid
    assert invoices.paid_minor(session, invoice_id=invoice.id) == 5_000


def test_demo_ledger_totals_match_the_payments_on_every_day(engine: Engine) -> None:
    generate_ledger(engine, invoices=400, end_date=date(2026, 6, 30), seed=3)
    with Session(engine) as session:
        assert mismatches(session) == []
        for day in (date(2026, 1, 15), date(2026, 4, 1), date(2026, 6, 30)):
            derived = dict(
                session.exec(
                    select(Payment.invoice_id, func.sum(Payment.amount_minor))
                    .where(Payment.payment_date <= day)
                    .group_by(col(Payment.invoice_id))
                ).all()
            )
            fast = dict(session.exec(select(Invoice.id, invoices.paid_as_of(day))).all())
            assert {k: v for k, v in fast.items() if v} == derived
        assert session.exec(select(func.count()).select_from(Payment)).one() > 100
        shifted = date(2026, 6, 30) + timedelta(days=1)
        assert dict(session.exec(select(Invoice.id, invoices.paid_as_of(shifted))).all()) == dict(
            session.exec(select(Invoice.id, Invoice.paid_minor)).all()
        )
