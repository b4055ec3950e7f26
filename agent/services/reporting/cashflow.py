"""The dashboard's figures: what is owed and overdue now, cash expected and received by week,
risky accounts, consistent late payers, each owner's workload and the collection trend.

Everything here composes ``reports`` (aging, KPIs, late payers) and ``expected_cash`` so that
the dashboard, the API and the CLI print the same numbers. Weeks start on Monday; months are
calendar months, the current one cut at ``as_of``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, computed_field
from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.db import select_many
from agent.models import Client, Invoice, Payment, User
from agent.models.draft import Draft, DraftStatus
from agent.models.notification import FollowUpTask, TaskStatus
from agent.services.access.ownership import owner_scope, scoped
from agent.services.ledger import invoices
from agent.services.ledger.positions import positions, sum_if
from agent.services.reporting import expected_cash, reports
from agent.services.reporting import position_totals as totals_of
from agent.services.scoring import risk_scores
from agent.settings import Settings

DASHBOARD_WEEKS = 8
TREND_MONTHS = 12
HIGH_RISK_SHOWN = 10
LATE_PAYERS_SHOWN = 10


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class WeekCash(_Result):
    """One week of one currency: received (past weeks) or expected with its interval (ahead)."""

    week_start: date
    received_minor: int | None = None
    expected_minor: int | None = None
    low_minor: int | None = None
    high_minor: int | None = None
    invoice_count: int = 0


class CurrencyCashFlow(_Result):
    currency: str
    past: list[WeekCash]
    ahead: list[WeekCash]
    later_minor: int


class RiskyAccount(_Result):
    """A client with open invoices whose latest stored score is in the high band."""

    client_id: int
    client_name: str
    invoice_count: int
    outstanding_minor: dict[str, int]
    max_p_late: float
    reasons: list[str]


class OwnerWorkload(_Result):
    owner_id: int
    owner_name: str
    pending_drafts: int
    overdue_invoices: int
    follow_ups_due: int


class MonthTrend(_Result):
    """One currency in one month: invoices settled in it and the DSO at its end."""

    month: str
    month_end: date
    settled_count: int
    days_to_pay_total: int
    outstanding_minor: int
    credit_sales_minor: int
    dso_window_days: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def average_days_to_pay(self) -> float | None:
        return self.days_to_pay_total / self.settled_count if self.settled_count else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dso_days(self) -> float | None:
        if not self.credit_sales_minor:
            return None
        return self.outstanding_minor / self.credit_sales_minor * self.dso_window_days


class CurrencyTrend(_Result):
    currency: str
    months: list[MonthTrend]


class Dashboard(_Result):
    as_of: date
    currencies: list[reports.CurrencyKpis]
    aging: reports.AgingReport
    cash: list[CurrencyCashFlow]
    high_risk: list[RiskyAccount]
    late_payers: list[reports.LatePayer]
    workload: list[OwnerWorkload]
    trend: list[CurrencyTrend]


def month_starts(as_of: date, months: int) -> list[date]:
    """The first days of the ``months`` calendar months ending with the one holding ``as_of``."""
    starts = []
    year, month = as_of.year, as_of.month
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _month_end(start: date, as_of: date) -> date:
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return min(following - timedelta(days=1), as_of)


def received_by_week(
    session: Session, *, as_of: date, weeks: int, actor: Actor
) -> dict[str, dict[date, int]]:
    """Payments dated in each of the ``weeks`` whole weeks before ``as_of``'s week, per currency."""
    current = expected_cash.week_start(as_of)
    starts = [current - timedelta(weeks=n) for n in range(weeks, 0, -1)]
    columns = [
        sum_if(
            and_(
                col(Payment.payment_date) >= start,
                col(Payment.payment_date) < start + timedelta(days=7),
            ),
            col(Payment.amount_minor),
        )
        for start in starts
    ]
    query = (
        select(Payment.currency, *columns)
        .join(Invoice, col(Invoice.id) == Payment.invoice_id)
        .where(Payment.payment_date >= starts[0], Payment.payment_date < current)
        .where(invoices.payment_counts())
        .group_by(col(Payment.currency))
    )
    query = scoped(query, actor, Invoice.owner_id)
    return {
        row[0]: {start: int(value) for start, value in zip(starts, row[1:], strict=True)}
        for row in session.exec(query)
    }


def cash_flow(
    session: Session, *, as_of: date, actor: Actor, weeks: int = DASHBOARD_WEEKS
) -> list[CurrencyCashFlow]:
    """Past ``weeks`` of receipts next to the next ``weeks`` of expected cash, per currency."""
    received = received_by_week(session, as_of=as_of, weeks=weeks, actor=actor)
    ahead = {
        c.currency: c
        for c in expected_cash.expected_cash(
            session, as_of=as_of, actor=actor, weeks=weeks
        ).currencies
    }
    current = expected_cash.week_start(as_of)
    empty_past = {current - timedelta(weeks=n): 0 for n in range(weeks, 0, -1)}
    result = []
    for currency in sorted(set(received) | set(ahead)):
        past = received.get(currency, empty_past)
        expected = ahead.get(currency)
        result.append(
            CurrencyCashFlow(
                currency=currency,
                past=[WeekCash(week_start=s, received_minor=v) for s, v in past.items()],
                ahead=[
                    WeekCash(
                        week_start=w.week_start,
                        expected_minor=w.expected_minor,
                        low_minor=w.low_minor,
                        high_minor=w.high_minor,
                        invoice_count=w.invoice_count,
                    )
                    for w in (expected.weeks if expected else [])
                ]
                or [
                    WeekCash(
                        week_start=current + timedelta(weeks=n),
                        expected_minor=0,
                        low_minor=0,
                        high_minor=0,
                    )
                    for n in range(weeks)
                ],
                later_minor=expected.later_minor if expected else 0,
            )
        )
    return result


@dataclass
class _Exposure:
    name: str
    count: int = 0
    owed: dict[str, int] = field(default_factory=dict)
    p_late: float = -1.0
    reasons: list[str] = field(default_factory=list)


def high_risk_accounts(
    session: Session, *, as_of: date, actor: Actor, limit: int | None = HIGH_RISK_SHOWN
) -> list[RiskyAccount]:
    """Clients with open invoices whose newest stored score is high, riskiest first.

    Reads stored scores only (the daily sweep writes them); no model is loaded here.
    """
    pos = positions(as_of, owner_id=owner_scope(actor), open_only=True)
    score = risk_scores.current()
    query = (
        select_many(
            pos.c.client_id,
            Client.name,
            pos.c.currency,
            pos.c.amount_minor - pos.c.paid_minor,
            score.p_late,
            score.reasons,
        )
        .join(Client, col(Client.id) == pos.c.client_id)
        .join(score, col(score.invoice_id) == pos.c.invoice_id)
        .where(pos.c.state == "open", score.band == "high")
    )
    grouped: dict[int, _Exposure] = {}
    for client_id, name, currency, outstanding, p_late, why in session.exec(query):
        entry = grouped.setdefault(client_id, _Exposure(name=name))
        entry.count += 1
        entry.owed[currency] = entry.owed.get(currency, 0) + int(outstanding)
        if float(p_late) > entry.p_late:
            entry.p_late, entry.reasons = float(p_late), list(why or [])
    accounts = [
        RiskyAccount(
            client_id=client_id,
            client_name=e.name,
            invoice_count=e.count,
            outstanding_minor=dict(sorted(e.owed.items())),
            max_p_late=e.p_late,
            reasons=e.reasons,
        )
        for client_id, e in grouped.items()
    ]
    # Ranked by risk, then by how many invoices are exposed: amounts in different currencies
    # are never summed or compared, so they cannot order the list.
    accounts.sort(key=lambda a: (-a.max_p_late, -a.invoice_count, a.client_name, a.client_id))
    return accounts[:limit] if limit is not None else accounts


def overdue_by_owner(session: Session, *, as_of: date, actor: Actor) -> dict[int, int]:
    """Overdue, undisputed invoices per owner the actor may see."""
    pos = positions(as_of, owner_id=owner_scope(actor), open_only=True)
    query = select(pos.c.owner_id, totals_of.overdue_column(pos)).group_by(pos.c.owner_id)
    return {int(owner_id): int(count) for owner_id, count in session.exec(query)}


def workload_with(
    session: Session, *, overdue: dict[int, int], as_of: date, actor: Actor
) -> list[OwnerWorkload]:
    """Per owner the actor may see: drafts awaiting review, the ``overdue`` invoices given,
    open follow-ups due by ``as_of``."""
    drafts = dict(
        session.exec(
            select(Draft.owner_id, func.count())
            .where(Draft.status == DraftStatus.PENDING_REVIEW)
            # As the queue shows them: a draft snoozed past the day is not waiting yet.
            .where(or_(col(Draft.snoozed_until).is_(None), col(Draft.snoozed_until) <= as_of))
            .group_by(col(Draft.owner_id))
        ).all()
    )
    tasks = dict(
        session.exec(
            select(FollowUpTask.owner_id, func.count())
            .where(FollowUpTask.status == TaskStatus.OPEN, FollowUpTask.due_date <= as_of)
            .group_by(col(FollowUpTask.owner_id))
        ).all()
    )
    owners = session.exec(
        scoped(select(User.id, User.name), actor, User.id).order_by(col(User.name), col(User.id))
    ).all()
    return [
        OwnerWorkload(
            owner_id=owner_id,
            owner_name=name,
            pending_drafts=int(drafts.get(owner_id, 0)),
            overdue_invoices=int(overdue.get(owner_id, 0)),
            follow_ups_due=int(tasks.get(owner_id, 0)),
        )
        for owner_id, name in owners
    ]


def workload(session: Session, *, as_of: date, actor: Actor) -> list[OwnerWorkload]:
    """Per owner the actor may see: drafts awaiting review, overdue invoices, open follow-ups
    due by ``as_of``."""
    overdue = overdue_by_owner(session, as_of=as_of, actor=actor)
    return workload_with(session, overdue=overdue, as_of=as_of, actor=actor)


def settled_by_month(
    session: Session, *, as_of: date, starts: list[date], actor: Actor
) -> dict[str, dict[date, tuple[int, int]]]:
    """Invoices settled (fully paid, last payment) in each month: (count, days issue→paid)."""
    pos = positions(as_of, owner_id=owner_scope(actor))
    ends = [_month_end(start, as_of) for start in starts]
    query = select_many(
        pos.c.currency, *totals_of.settled_columns(pos, starts=starts, ends=ends)
    ).group_by(pos.c.currency)
    totals = totals_of.fold(_mappings(session, query), by=("currency",), only=totals_of.SETTLED)
    return {
        currency: totals_of.settled_by_month(sums, starts) for (currency,), sums in totals.items()
    }


def balances_at(
    session: Session, *, ends: list[date], window_days: int, actor: Actor
) -> dict[str, dict[date, tuple[int, int]]]:
    """(outstanding, credit sales of the DSO window) on each of ``ends``, per currency.

    One scan instead of one ``reports.currency_kpis`` per day, with the same rules.
    """
    pos = positions(max(ends), owner_id=owner_scope(actor))
    paid = totals_of.paid_by_day(ends)
    query = (
        select_many(
            pos.c.currency,
            *totals_of.balance_columns(pos, paid, ends=ends, window_days=window_days),
        )
        .select_from(pos)
        .outerjoin(paid, paid.c.invoice_id == pos.c.invoice_id)
        .group_by(pos.c.currency)
    )
    totals = totals_of.fold(_mappings(session, query), by=("currency",), only=totals_of.BALANCES)
    return {currency: totals_of.balances(sums, ends) for (currency,), sums in totals.items()}


def trend_from(
    *,
    settled: dict[str, dict[date, tuple[int, int]]],
    balances: dict[str, dict[date, tuple[int, int]]],
    starts: list[date],
    ends: list[date],
    settings: Settings,
) -> list[CurrencyTrend]:
    result = []
    for currency in sorted(set(settled) | set(balances)):
        months_of = []
        for start, end in zip(starts, ends, strict=True):
            count, days = settled.get(currency, {}).get(start, (0, 0))
            owed, sales = balances.get(currency, {}).get(end, (0, 0))
            months_of.append(
                MonthTrend(
                    month=start.strftime("%Y-%m"),
                    month_end=end,
                    settled_count=count,
                    days_to_pay_total=days,
                    outstanding_minor=owed,
                    credit_sales_minor=sales,
                    dso_window_days=settings.dso_window_days,
                )
            )
        result.append(CurrencyTrend(currency=currency, months=months_of))
    return result


def trend(
    session: Session,
    *,
    as_of: date,
    settings: Settings,
    actor: Actor,
    months: int = TREND_MONTHS,
) -> list[CurrencyTrend]:
    """Average days to pay of invoices settled in each month and DSO at each month end."""
    starts = month_starts(as_of, months)
    ends = [_month_end(start, as_of) for start in starts]
    return trend_from(
        settled=settled_by_month(session, as_of=as_of, starts=starts, actor=actor),
        balances=balances_at(session, ends=ends, window_days=settings.dso_window_days, actor=actor),
        starts=starts,
        ends=ends,
        settings=settings,
    )


def _mappings(session: Session, query: Any) -> list[Mapping[str, Any]]:
    return [row._mapping for row in session.exec(query)]


def _scan(
    session: Session,
    *,
    as_of: date,
    settings: Settings,
    actor: Actor,
    starts: list[date],
    ends: list[date],
) -> list[Mapping[str, Any]]:
    """The dashboard's one pass over the ledger's positions: every sum its figures need, per
    (currency, client, owner), with the client's name."""
    pos = positions(as_of, owner_id=owner_scope(actor))
    paid = totals_of.paid_by_day(ends)
    grouped = (
        select_many(
            pos.c.currency,
            pos.c.client_id,
            pos.c.owner_id,
            *totals_of.aging_columns(pos),
            *totals_of.kpi_columns(pos, as_of=as_of, settings=settings),
            *totals_of.late_columns(pos, settings=settings),
            totals_of.overdue_column(pos),
            *totals_of.settled_columns(pos, starts=starts, ends=ends),
            *totals_of.balance_columns(pos, paid, ends=ends, window_days=settings.dso_window_days),
        )
        .select_from(pos)
        .outerjoin(paid, paid.c.invoice_id == pos.c.invoice_id)
        .group_by(pos.c.currency, pos.c.client_id, pos.c.owner_id)
        .subquery("grouped")
    )
    query = select_many(grouped, col(Client.name).label("client_name")).join(
        Client, col(Client.id) == grouped.c.client_id
    )
    return _mappings(session, query)


def dashboard(session: Session, *, as_of: date, settings: Settings, actor: Actor) -> Dashboard:
    """Every figure of the dashboard page (and ``GET /v1/reports/dashboard``) on ``as_of``,
    over the invoices ``actor`` may see.

    KPIs, aging, late payers, overdue per owner and the 12-month trend (settlements and
    month-end balances) come from one scan of the positions (``_scan``), folded as the
    standalone reports fold theirs; cash received and expected and the high-risk accounts read
    the last weeks' payments and the open invoices (through the balance index) besides.
    """
    starts = month_starts(as_of, TREND_MONTHS)
    ends = [_month_end(start, as_of) for start in starts]
    rows = _scan(session, as_of=as_of, settings=settings, actor=actor, starts=starts, ends=ends)
    names = {row["client_id"]: row["client_name"] for row in rows}
    by_currency = totals_of.fold(
        rows, by=("currency",), only=totals_of.KPIS + totals_of.SETTLED + totals_of.BALANCES
    )
    overdue = totals_of.fold(rows, by=("owner_id",), only=totals_of.OVERDUE)
    return Dashboard(
        as_of=as_of,
        currencies=reports.kpis_from(by_currency, settings=settings),
        aging=reports.aging_from(
            totals_of.fold(rows, by=("currency", "client_id"), only=totals_of.AGING),
            names,
            as_of=as_of,
        ),
        cash=cash_flow(session, as_of=as_of, actor=actor),
        high_risk=high_risk_accounts(session, as_of=as_of, actor=actor),
        late_payers=reports.late_payers_from(
            totals_of.fold(rows, by=("client_id",), only=totals_of.LATE),
            names,
            settings=settings,
            limit=LATE_PAYERS_SHOWN,
        ),
        workload=workload_with(
            session,
            overdue={owner_id: sums["overdue_undisputed"] for (owner_id,), sums in overdue.items()},
            as_of=as_of,
            actor=actor,
        ),
        trend=trend_from(
            settled={
                currency: totals_of.settled_by_month(sums, starts)
                for (currency,), sums in by_currency.items()
            },
            balances={
                currency: totals_of.balances(sums, ends)
                for (currency,), sums in by_currency.items()
            },
            starts=starts,
            ends=ends,
            settings=settings,
        ),
    )
