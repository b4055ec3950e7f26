"""Positions: every invoice as of a day with what was paid by then and its derived state.

The one SQL building block for "paid as of a day" and "status as of a day" that reports, the
invoice queries and exports share; it mirrors ``standing.derive`` (a test checks they agree).
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, Integer, SQLColumnExpression, and_, case, func, literal, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import AliasedReturnsRows
from sqlmodel import Session, col, select

from agent.db import select_many
from agent.models import Invoice, Lifecycle
from agent.services.ledger import invoices


class days_between(FunctionElement[int]):
    """Whole days from ``start`` to ``end`` (``end - start``), on SQLite and PostgreSQL alike."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


def _days_between_args(element: days_between, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    start, end = list(element.clauses)
    return compiler.process(start, **kw), compiler.process(end, **kw)


@compiles(days_between)
def _days_between_default(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _days_between_args(element, compiler, **kw)
    return f"(CAST({end} AS DATE) - CAST({start} AS DATE))"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite stores dates as ISO text and has no date subtraction; julianday() of two dates
    # differs by an exact whole number.
    start, end = _days_between_args(element, compiler, **kw)
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


class AgingBucket(StrEnum):
    """Where an open invoice falls by days overdue (as-of day minus current due date)."""

    NOT_YET_DUE = "not_yet_due"
    DAYS_1_30 = "1-30"
    DAYS_31_60 = "31-60"
    DAYS_61_90 = "61-90"
    DAYS_OVER_90 = "90+"

    @classmethod
    def for_days_overdue(cls, days: int) -> AgingBucket:
        if days <= 0:
            return cls.NOT_YET_DUE
        if days <= 30:
            return cls.DAYS_1_30
        if days <= 60:
            return cls.DAYS_31_60
        if days <= 90:
            return cls.DAYS_61_90
        return cls.DAYS_OVER_90


def state_column(pos: AliasedReturnsRows, *, due_soon_days: int) -> ColumnElement[str]:
    """The derived ``standing.State`` of each position, in SQL: the one mirror of
    ``standing.derive`` (closed and paid states from ``positions``, then ``open_state``)."""
    c = pos.c
    return case(
        (c.state != "open", c.state),
        (c.disputed == 1, "disputed"),
        (c.days_overdue > 0, "overdue"),
        (c.days_overdue >= -due_soon_days, "due_soon"),
        else_="not_yet_due",
    )


def may_be_open(as_of: date) -> ColumnElement[bool]:
    """A cheap necessary condition for an invoice to be open on ``as_of``, served by indexes.

    Open needs less paid by ``as_of`` than invoiced; that is the maintained balance unless a
    payment came later (``last_payment_date`` after ``as_of``), so as of today only the few
    invoices with a balance left qualify (``ix_invoice_balance``), and past days stay exact.
    """
    return and_(
        col(Invoice.lifecycle) != Lifecycle.DRAFT.value,
        or_(
            col(Invoice.amount_minor) - col(Invoice.paid_minor) > 0,
            col(Invoice.last_payment_date) > as_of,
        ),
    )


def nothing_paid_after(session: Session, *, as_of: date) -> bool:
    """Whether no counted payment is dated after ``as_of`` (always so as of today): then the
    maintained totals are the as-of figures. One probe of ``ix_invoice_last_payment_date``."""
    later = select(Invoice.id).where(col(Invoice.last_payment_date) > as_of).limit(1)
    return session.exec(later).first() is None


def positions(
    as_of: date,
    *,
    owner_id: int | None = None,
    open_only: bool = False,
    paid_by_then: bool = False,
) -> AliasedReturnsRows:
    """Every invoice issued by ``as_of`` with what was paid by then and its as-of state.

    The state CASE mirrors ``standing.derive``'s precedence; ``open`` covers not yet due,
    due soon, overdue and disputed. ``owner_id`` keeps one owner's invoices (the access rule's
    ``owner_scope``); ``None`` keeps every owner's. ``open_only`` drops, through indexes,
    invoices that cannot be open on ``as_of``: a reader of open positions only should pass it.
    ``paid_by_then`` says the caller checked ``nothing_paid_after(as_of)``: the maintained
    totals are then read as they are, and open positions come in due-date order from
    ``ix_invoice_open_due``, so a first page of them reads little more than its own rows.
    """
    if paid_by_then:
        paid_minor: Any = col(Invoice.paid_minor)
        last_paid: Any = col(Invoice.last_payment_date)
    else:
        paid_minor = invoices.paid_as_of(as_of)
        last_paid = invoices.last_paid_as_of(as_of)
    closed_by = and_(col(Invoice.closed_date).is_not(None), col(Invoice.closed_date) <= as_of)
    state = case(
        (and_(col(Invoice.lifecycle) == Lifecycle.VOID.value, closed_by), "void"),
        (and_(col(Invoice.lifecycle) == Lifecycle.WRITTEN_OFF.value, closed_by), "written_off"),
        (paid_minor >= col(Invoice.amount_minor), "paid"),
        (col(Invoice.lifecycle) == Lifecycle.DRAFT.value, "draft"),
        else_="open",
    )
    days_overdue = days_between(Invoice.due_date, literal(as_of, Date))
    # Compared as dates, not as day counts: the same buckets without date arithmetic per row.
    due = col(Invoice.due_date)
    bucket = case(
        (due >= as_of, AgingBucket.NOT_YET_DUE.value),
        (due >= as_of - timedelta(days=30), AgingBucket.DAYS_1_30.value),
        (due >= as_of - timedelta(days=60), AgingBucket.DAYS_31_60.value),
        (due >= as_of - timedelta(days=90), AgingBucket.DAYS_61_90.value),
        else_=AgingBucket.DAYS_OVER_90.value,
    )
    disputed = case(
        (
            and_(
                col(Invoice.dispute_opened_date).is_not(None),
                col(Invoice.dispute_opened_date) <= as_of,
            ),
            1,
        ),
        else_=0,
    )
    query = (
        select_many(
            col(Invoice.id).label("invoice_id"),
            Invoice.number,
            Invoice.client_id,
            Invoice.owner_id,
            Invoice.currency,
            Invoice.amount_minor,
            Invoice.issue_date,
            Invoice.due_date,
            Invoice.lifecycle,
            Invoice.closed_date,
            paid_minor.label("paid_minor"),
            state.label("state"),
            disputed.label("disputed"),
            days_overdue.label("days_overdue"),
            bucket.label("bucket"),
            days_between(Invoice.issue_date, last_paid).label("days_to_pay"),
            days_between(Invoice.original_due_date, last_paid).label("days_late"),
            last_paid.label("last_payment_date"),
        )
        .select_from(Invoice)
        .where(Invoice.issue_date <= as_of)
    )
    if owner_id is not None:
        query = query.where(Invoice.owner_id == owner_id)
    if open_only and paid_by_then:
        has_balance = col(Invoice.amount_minor) > col(Invoice.paid_minor)
        not_draft = col(Invoice.lifecycle) != Lifecycle.DRAFT.value
        return query.where(not_draft, has_balance).subquery("position")
    if open_only:
        # Materialised: otherwise a caller's ORDER BY ... LIMIT tempts the planner into walking
        # an index in that order across every invoice rather than the few the filter finds.
        return query.where(may_be_open(as_of)).cte("position").prefix_with("MATERIALIZED")
    return query.subquery("position")


def sum_if(condition: ColumnElement[bool], value: SQLColumnExpression[Any] | int = 1) -> Any:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)
