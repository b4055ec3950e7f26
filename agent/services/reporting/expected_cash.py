"""Expected cash by week: when the open balance is likely to arrive, per currency.

Each invoice open on ``as_of`` counts its outstanding balance in the week of its expected
payment date: the latest risk score's estimate when there is one, else a promise to pay, else
the due date. Dates already past count in the first week (the money is expected now).
Invoices expected after the horizon are summed in ``later_minor``. Weeks start on Monday.

Each week also carries an interval: ``low_minor`` counts invoices whose whole interval
(``interval_low_date``..``interval_high_date`` of the score; a single day without one) falls in
that week, ``high_minor`` those whose interval overlaps it, so low <= expected <= high.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col

from agent.actor import Actor
from agent.db import select_many
from agent.models import Invoice
from agent.services.access.ownership import owner_scope
from agent.services.ledger.positions import positions
from agent.services.scoring import model_health, risk_scores


class CashWeek(BaseModel):
    model_config = ConfigDict(frozen=True)

    week_start: date
    expected_minor: int
    invoice_count: int
    low_minor: int = 0
    high_minor: int = 0


class CurrencyCash(BaseModel):
    model_config = ConfigDict(frozen=True)

    currency: str
    weeks: list[CashWeek]
    later_minor: int
    later_count: int
    method: str = "model"


class ExpectedCashReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    as_of: date
    weeks: int
    currencies: list[CurrencyCash]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def expected_cash(
    session: Session, *, as_of: date, actor: Actor, weeks: int = 12
) -> ExpectedCashReport:
    """Outstanding balances of open invoices by the week they are expected to be paid.

    The expected week is the risk model's predicted payment date, except in currencies where
    the last forecast backtest found it no better than the due date (``method`` ``naive``):
    there the promise or due date is used, as the naive forecast does.
    """
    pos = positions(as_of, owner_id=owner_scope(actor), open_only=True)
    score = risk_scores.current()
    query = (
        select_many(
            Invoice.currency,
            pos.c.amount_minor - pos.c.paid_minor,
            score.expected_payment_date,
            score.interval_low_date,
            score.interval_high_date,
            Invoice.promised_date,
            Invoice.due_date,
        )
        .join(pos, pos.c.invoice_id == Invoice.id)
        .outerjoin(score, col(score.invoice_id) == Invoice.id)
        .where(pos.c.state == "open")
    )
    first = week_start(as_of)
    starts = [first + timedelta(weeks=n) for n in range(weeks)]
    totals: dict[str, dict[date, list[int]]] = {}
    later: dict[str, list[int]] = {}
    methods = model_health.forecast_methods(session)
    for currency, outstanding, risk_date, low, high, promised, due in session.exec(query):
        amount = int(outstanding)
        if methods.get(currency) == "naive":
            risk_date = low = high = None
        day = risk_date or promised or due
        slot = max(week_start(day), first)
        per_week = totals.setdefault(currency, {start: [0, 0, 0, 0] for start in starts})
        later.setdefault(currency, [0, 0])
        bucket = per_week.get(slot, later[currency])
        bucket[0] += amount
        bucket[1] += 1
        low_slot = max(week_start(low or day), first)
        high_slot = max(week_start(high or day), first)
        if low_slot == high_slot and low_slot in per_week:
            per_week[low_slot][2] += amount
        for start in starts:
            if low_slot <= start <= high_slot:
                per_week[start][3] += amount
    return ExpectedCashReport(
        as_of=as_of,
        weeks=weeks,
        currencies=[
            CurrencyCash(
                currency=currency,
                weeks=[
                    CashWeek(
                        week_start=start,
                        expected_minor=amount,
                        invoice_count=count,
                        low_minor=low,
                        high_minor=high,
                    )
                    for start, (amount, count, low, high) in per_week.items()
                ],
                later_minor=later[currency][0],
                later_count=later[currency][1],
                method=methods.get(currency, "model"),
            )
            for currency, per_week in sorted(totals.items())
        ],
    )
