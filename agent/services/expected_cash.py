"""Expected cash by week: when the open balance is likely to arrive, per currency.

Each invoice open on ``as_of`` counts its outstanding balance in the week of its expected
payment date: the latest risk score's estimate when there is one, else a promise to pay, else
the due date. Dates already past count in the first week (the money is expected now).
Invoices expected after the horizon are summed in ``later_minor``. Weeks start on Monday.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col, select

from agent.models import Invoice
from agent.models.risk import RiskScore
from agent.services.reports import _positions


class CashWeek(BaseModel):
    model_config = ConfigDict(frozen=True)

    week_start: date
    expected_minor: int
    invoice_count: int


class CurrencyCash(BaseModel):
    model_config = ConfigDict(frozen=True)

    currency: str
    weeks: list[CashWeek]
    later_minor: int
    later_count: int


class ExpectedCashReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    as_of: date
    weeks: int
    currencies: list[CurrencyCash]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def expected_cash(session: Session, *, as_of: date, weeks: int = 12) -> ExpectedCashReport:
    """Outstanding balances of open invoices by the week they are expected to be paid."""
    pos = _positions(as_of)
    expected = (
        select(RiskScore.expected_payment_date)
        .where(RiskScore.invoice_id == Invoice.id)
        .order_by(col(RiskScore.scored_at).desc(), col(RiskScore.id).desc())
        .limit(1)
        .correlate(Invoice)
        .scalar_subquery()
    )
    query = (
        select(
            Invoice.currency,
            pos.c.amount_minor - pos.c.paid_minor,
            expected,
            Invoice.promised_date,
            Invoice.due_date,
        )
        .join(pos, pos.c.invoice_id == Invoice.id)
        .where(pos.c.state == "open")
    )
    first = week_start(as_of)
    starts = [first + timedelta(weeks=n) for n in range(weeks)]
    totals: dict[str, dict[date, list[int]]] = {}
    later: dict[str, list[int]] = {}
    for currency, outstanding, risk_date, promised, due in session.exec(query):
        day = risk_date or promised or due
        slot = max(week_start(day), first)
        per_week = totals.setdefault(currency, {start: [0, 0] for start in starts})
        later.setdefault(currency, [0, 0])
        bucket = per_week.get(slot, later[currency])
        bucket[0] += int(outstanding)
        bucket[1] += 1
    return ExpectedCashReport(
        as_of=as_of,
        weeks=weeks,
        currencies=[
            CurrencyCash(
                currency=currency,
                weeks=[
                    CashWeek(week_start=start, expected_minor=amount, invoice_count=count)
                    for start, (amount, count) in per_week.items()
                ],
                later_minor=later[currency][0],
                later_count=later[currency][1],
            )
            for currency, per_week in sorted(totals.items())
        ],
    )
