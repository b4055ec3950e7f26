"""Open-only lists are exact for any day: an invoice paid since is open on the days before."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from agent.services.ledger.invoice_search import InvoiceFilter, search
from agent.services.ledger.positions import nothing_paid_after
from tests.factories import TEST_ACTOR, make_invoice, pay

ISSUED = date(2026, 1, 1)


def overdue_numbers(session: Session, as_of: date) -> list[str]:
    where = InvoiceFilter(as_of=as_of, due_soon_days=7, overdue=True)
    return [hit.invoice.number for hit in search(session, where=where, actor=TEST_ACTOR).items]


def test_an_invoice_paid_later_is_overdue_before_its_payment(session: Session) -> None:
    paid_later = make_invoice(session, number="PAID-LATER", issue_date=ISSUED)
    make_invoice(session, number="STILL-OPEN", issue_date=ISSUED)
    pay(session, paid_later, payment_date=date(2026, 4, 1))
    assert nothing_paid_after(session, as_of=date(2026, 4, 1))
    assert not nothing_paid_after(session, as_of=date(2026, 3, 1))
    assert overdue_numbers(session, date(2026, 3, 1)) == ["PAID-LATER", "STILL-OPEN"]
    assert overdue_numbers(session, date(2026, 4, 1)) == ["STILL-OPEN"]


def test_the_first_page_follows_the_due_dates(session: Session) -> None:
    for day in (20, 5, 12):
        make_invoice(session, number=f"DUE-{day:02d}", issue_date=date(2026, 1, day))
    settled = make_invoice(session, number="SETTLED", issue_date=date(2026, 1, 1))
    pay(session, settled, payment_date=date(2026, 2, 1))
    assert overdue_numbers(session, date(2026, 6, 1)) == ["DUE-05", "DUE-12", "DUE-20"]
