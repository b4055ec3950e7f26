"""A client's payment record as of a day, which nudges the reminder tone one step.

A *prompt payer* has at least ``PROMPT_MIN_SETTLED`` settled invoices and paid no more than
``PROMPT_MAX_LATE_SHARE`` of them late; a *chronically late* client has at least
``CHRONIC_MIN_SETTLED`` settled invoices and paid at least ``CHRONIC_MIN_LATE_SHARE`` late.
Late means the final payment came after the original due date plus the grace days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col

from agent.db import select_many
from agent.models import Invoice, Lifecycle, Payment
from agent.services.ledger import invoices

PROMPT_MIN_SETTLED = 6
PROMPT_MAX_LATE_SHARE = 0.1
CHRONIC_MIN_SETTLED = 4
CHRONIC_MIN_LATE_SHARE = 0.5


@dataclass(frozen=True)
class PaymentRecord:
    settled: int
    paid_late: int

    @property
    def late_share(self) -> float:
        return self.paid_late / self.settled if self.settled else 0.0

    @property
    def prompt_payer(self) -> bool:
        return self.settled >= PROMPT_MIN_SETTLED and self.late_share <= PROMPT_MAX_LATE_SHARE

    @property
    def chronically_late(self) -> bool:
        return self.settled >= CHRONIC_MIN_SETTLED and self.late_share >= CHRONIC_MIN_LATE_SHARE


def payment_record(
    session: Session, *, client_id: int, as_of: date, grace_days: int
) -> PaymentRecord:
    """Invoices of this client fully paid by ``as_of``, and how many of them late."""
    query = (
        select_many(
            Invoice.original_due_date,
            Invoice.amount_minor,
            func.sum(Payment.amount_minor),
            func.max(Payment.payment_date),
        )
        .join(Payment, col(Payment.invoice_id) == Invoice.id)
        .where(Invoice.client_id == client_id)
        .where(Invoice.lifecycle != Lifecycle.VOID)
        .where(Payment.payment_date <= as_of)
        .where(invoices.payment_counts())
        .group_by(col(Invoice.id), col(Invoice.original_due_date), col(Invoice.amount_minor))
    )
    settled = late = 0
    for due, amount, paid, last in session.exec(query):
        if paid < amount:
            continue
        settled += 1
        late += last > due + timedelta(days=grace_days)
    return PaymentRecord(settled=settled, paid_late=late)
