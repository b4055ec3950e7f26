"""Sums over invoice positions, each defined once, and the folds that turn them into figures.

Every figure here is a sum (or a maximum) of a condition over ``positions``, so it can be
grouped at any grain and added up afterwards. The standalone reports group by what they show
(aging by currency and client, KPIs by currency, late payers by client); the dashboard groups
once by (currency, client, owner) and folds that single scan into all of them. Both go
through the same columns and the same folds, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func
from sqlalchemy.sql.elements import ColumnElement, Label
from sqlalchemy.sql.selectable import AliasedReturnsRows, Subquery
from sqlmodel import col, select

from agent.models import Lifecycle, Payment
from agent.services.ledger import invoices
from agent.services.ledger.positions import AgingBucket, sum_if
from agent.settings import Settings

TRAILING_YEAR_DAYS = 365
BUCKETS = list(AgingBucket)

Totals = dict[str, int]


def _open(pos: AliasedReturnsRows) -> ColumnElement[bool]:
    return pos.c.state == "open"


def _outstanding(pos: AliasedReturnsRows) -> Any:
    return pos.c.amount_minor - pos.c.paid_minor


def aging_columns(pos: AliasedReturnsRows) -> list[Label[Any]]:
    """Outstanding and count per aging bucket, then of the disputed ones, open invoices only."""
    is_open, owed = _open(pos), _outstanding(pos)
    columns = []
    for i, bucket in enumerate(BUCKETS):
        in_bucket = and_(is_open, pos.c.bucket == bucket.value)
        columns += [
            sum_if(in_bucket, owed).label(f"aging_{i}_minor"),
            sum_if(in_bucket).label(f"aging_{i}_count"),
        ]
    disputed = and_(is_open, pos.c.disputed == 1)
    return [
        *columns,
        sum_if(disputed, owed).label("disputed_minor"),
        sum_if(disputed).label("disputed_count"),
    ]


KPI_NAMES = (
    "outstanding_minor",
    "open_count",
    "overdue_minor",
    "overdue_count",
    "disputed_minor",
    "disputed_count",
    "credit_sales_minor",
    "credit_sales_count",
    "settled_count",
    "days_to_pay_total",
    "paid_late_count",
    "invoiced_minor",
    "invoiced_count",
    "written_off_minor",
    "written_off_count",
)


def kpi_columns(pos: AliasedReturnsRows, *, as_of: date, settings: Settings) -> list[Label[Any]]:
    """The sums behind ``reports.CurrencyKpis``, named as its fields (prefixed ``kpi_``)."""
    window_start = as_of - timedelta(days=settings.dso_window_days)
    year_start = as_of - timedelta(days=TRAILING_YEAR_DAYS)
    is_open, owed = _open(pos), _outstanding(pos)
    overdue = and_(is_open, pos.c.days_overdue > 0)
    disputed = and_(is_open, pos.c.disputed == 1)
    invoiced = and_(pos.c.lifecycle != "draft", pos.c.state != "void")
    sold = and_(invoiced, pos.c.issue_date > window_start)
    settled = and_(pos.c.state == "paid", pos.c.last_payment_date > year_start)
    invoiced_in_year = and_(invoiced, pos.c.issue_date > year_start)
    written_off = and_(pos.c.state == "written_off", pos.c.issue_date > year_start)
    sums = (
        sum_if(is_open, owed),
        sum_if(is_open),
        sum_if(overdue, owed),
        sum_if(overdue),
        sum_if(disputed, owed),
        sum_if(disputed),
        sum_if(sold, pos.c.amount_minor),
        sum_if(sold),
        sum_if(settled),
        sum_if(settled, pos.c.days_to_pay),
        sum_if(and_(settled, pos.c.days_late > settings.late_grace_days)),
        sum_if(invoiced_in_year, pos.c.amount_minor),
        sum_if(invoiced_in_year),
        sum_if(written_off, owed),
        sum_if(written_off),
    )
    return [total.label(f"kpi_{name}") for name, total in zip(KPI_NAMES, sums, strict=True)]


def late_columns(pos: AliasedReturnsRows, *, settings: Settings) -> list[Label[Any]]:
    """Settled invoices and those settled late (after the original due date plus grace)."""
    paid = pos.c.state == "paid"
    late = and_(paid, pos.c.days_late > settings.late_grace_days)
    return [
        sum_if(paid).label("late_settled_count"),
        sum_if(late).label("late_count"),
        sum_if(late, pos.c.days_late).label("late_days_total"),
        func.max(case((late, pos.c.days_late), else_=0)).label("late_days_max"),
    ]


# Folded with max() rather than a sum.
MAXIMA = frozenset({"late_days_max"})


def overdue_column(pos: AliasedReturnsRows) -> Label[Any]:
    """Overdue and not disputed: what the invoice table (and an owner's workload) calls overdue."""
    return sum_if(and_(_open(pos), pos.c.days_overdue > 0, pos.c.disputed == 0)).label(
        "overdue_undisputed"
    )


def settled_columns(
    pos: AliasedReturnsRows, *, starts: list[date], ends: list[date]
) -> list[Label[Any]]:
    """Per month: invoices settled (fully paid, by their last payment) in it, and their days
    from issue to payment."""
    columns = []
    for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
        in_month = and_(
            pos.c.state == "paid",
            pos.c.last_payment_date >= start,
            pos.c.last_payment_date <= end,
        )
        columns += [
            sum_if(in_month).label(f"settled_{i}_count"),
            sum_if(in_month, pos.c.days_to_pay).label(f"settled_{i}_days"),
        ]
    return columns


def paid_by_day(ends: list[date]) -> Subquery:
    """Per invoice, what its counted payments add up to by each of ``ends`` (``p0``, ``p1``…)."""
    return (
        select(
            col(Payment.invoice_id).label("invoice_id"),
            *(
                sum_if(col(Payment.payment_date) <= end, col(Payment.amount_minor)).label(f"p{i}")
                for i, end in enumerate(ends)
            ),
        )
        .where(invoices.payment_counts())
        .group_by(col(Payment.invoice_id))
        .subquery("paid_by")
    )


def balance_columns(
    pos: AliasedReturnsRows, paid: Subquery, *, ends: list[date], window_days: int
) -> list[Label[Any]]:
    """Outstanding and credit sales of the DSO window on each of ``ends``, from positions
    outer-joined to ``paid_by_day(ends)``, with the KPIs' rules: issued by then, not a draft,
    not voided or written off by then, balance net of payments dated by then."""
    columns = []
    for i, end in enumerate(ends):
        paid_then = func.coalesce(paid.c[f"p{i}"], 0)
        closed = and_(pos.c.closed_date.is_not(None), pos.c.closed_date <= end)
        voided = and_(pos.c.lifecycle == Lifecycle.VOID.value, closed)
        written_off = and_(pos.c.lifecycle == Lifecycle.WRITTEN_OFF.value, closed)
        issued = and_(pos.c.issue_date <= end, pos.c.lifecycle != Lifecycle.DRAFT.value)
        is_open = and_(issued, ~voided, ~written_off, paid_then < pos.c.amount_minor)
        sold = and_(issued, ~voided, pos.c.issue_date > end - timedelta(days=window_days))
        columns += [
            sum_if(is_open, pos.c.amount_minor - paid_then).label(f"balance_{i}_minor"),
            sum_if(sold, pos.c.amount_minor).label(f"balance_{i}_sales"),
        ]
    return columns


def fold(
    rows: Sequence[Mapping[str, Any]], *, by: tuple[str, ...], only: tuple[str, ...]
) -> dict[tuple[Any, ...], Totals]:
    """Add up grouped rows per value of the ``by`` columns: the columns whose names start
    with one of ``only`` (maxima by max)."""
    if not rows:
        return {}
    names = [name for name in rows[0] if name.startswith(only) and name not in by]
    maxima = [name for name in names if name in MAXIMA]
    sums = [name for name in names if name not in MAXIMA]
    folded: dict[tuple[Any, ...], Totals] = {}
    for row in rows:
        key = tuple(row[name] for name in by)
        totals = folded.get(key)
        if totals is None:
            folded[key] = {name: int(row[name]) for name in names}
            continue
        for name in sums:
            totals[name] += int(row[name])
        for name in maxima:
            totals[name] = max(totals[name], int(row[name]))
    return folded


AGING = ("aging_", "disputed_")
KPIS = ("kpi_",)
LATE = ("late_",)
OVERDUE = ("overdue_",)
SETTLED = ("settled_",)
BALANCES = ("balance_",)


def bucket_totals(totals: Totals) -> dict[AgingBucket, tuple[int, int]]:
    return {
        bucket: (totals[f"aging_{i}_minor"], totals[f"aging_{i}_count"])
        for i, bucket in enumerate(BUCKETS)
    }


def kpi_values(totals: Totals) -> dict[str, int]:
    return {name: totals[f"kpi_{name}"] for name in KPI_NAMES}


def balances(totals: Totals, ends: list[date]) -> dict[date, tuple[int, int]]:
    return {
        end: (totals[f"balance_{i}_minor"], totals[f"balance_{i}_sales"])
        for i, end in enumerate(ends)
    }


def settled_by_month(totals: Totals, starts: list[date]) -> dict[date, tuple[int, int]]:
    return {
        start: (totals[f"settled_{i}_count"], totals[f"settled_{i}_days"])
        for i, start in enumerate(starts)
    }
