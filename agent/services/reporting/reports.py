"""The reporting module: aging, KPIs and late payers as of any day, computed by SQL aggregates.

Every figure paytrack shows about the ledger as a whole (CLI, dashboard, exports) comes from
here. The as-of rules are those of ``standing.derive``: an invoice counts once issued, payments
once dated, void and write-off once their ``closed_date`` is reached; drafts are not receivables.
Results are frozen pydantic models whose JSON carries amounts as integer minor units next to
their currency; amounts in different currencies are never added together.
Definitions and formulas: ``docs/reports.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict, computed_field
from sqlalchemy.sql.selectable import AliasedReturnsRows
from sqlmodel import Session, col

from agent.actor import Actor
from agent.db import select_many
from agent.models import Client
from agent.services.access.ownership import owner_scope
from agent.services.ledger.positions import AgingBucket, nothing_paid_after, positions
from agent.services.reporting import position_totals as totals_of
from agent.settings import Settings

TRAILING_YEAR_DAYS = totals_of.TRAILING_YEAR_DAYS


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class BucketTotal(_Result):
    outstanding_minor: int = 0
    count: int = 0


class AgingLine(_Result):
    """One client's (or, with ``client_id`` None, the currency's total) outstanding by bucket."""

    currency: str
    client_id: int | None
    client_name: str | None
    buckets: dict[AgingBucket, BucketTotal]
    disputed_minor: int = 0
    disputed_count: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outstanding_minor(self) -> int:
        return sum(b.outstanding_minor for b in self.buckets.values())

    @computed_field  # type: ignore[prop-decorator]
    @property
    def count(self) -> int:
        return sum(b.count for b in self.buckets.values())

    @computed_field  # type: ignore[prop-decorator]
    @property
    def overdue_minor(self) -> int:
        return self.outstanding_minor - self.buckets[AgingBucket.NOT_YET_DUE].outstanding_minor


class CurrencyAging(_Result):
    currency: str
    clients: list[AgingLine]
    total: AgingLine


class AgingReport(_Result):
    """Outstanding receivables on ``as_of`` by currency, client and bucket."""

    as_of: date
    currencies: list[CurrencyAging]


class CurrencyKpis(_Result):
    """Collection figures for one currency; the shares and averages derive from the counts."""

    currency: str
    outstanding_minor: int
    open_count: int
    overdue_minor: int
    overdue_count: int
    disputed_minor: int
    disputed_count: int
    credit_sales_minor: int
    credit_sales_count: int
    dso_window_days: int
    settled_count: int
    days_to_pay_total: int
    paid_late_count: int
    invoiced_minor: int
    invoiced_count: int
    written_off_minor: int
    written_off_count: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def overdue_share(self) -> float | None:
        return _share(self.overdue_minor, self.outstanding_minor)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dso_days(self) -> float | None:
        """Outstanding ÷ credit sales of the window × window days; None without sales."""
        if not self.credit_sales_minor:
            return None
        return self.outstanding_minor / self.credit_sales_minor * self.dso_window_days

    @computed_field  # type: ignore[prop-decorator]
    @property
    def average_days_to_pay(self) -> float | None:
        return _share(self.days_to_pay_total, self.settled_count)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def paid_late_share(self) -> float | None:
        return _share(self.paid_late_count, self.settled_count)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def written_off_share(self) -> float | None:
        return _share(self.written_off_minor, self.invoiced_minor)


class LatePayer(_Result):
    """A client's record of settling invoices after their original due date (plus grace)."""

    client_id: int
    client_name: str
    settled_count: int
    late_count: int
    days_late_total: int
    max_days_late: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def late_share(self) -> float:
        return self.late_count / self.settled_count

    @computed_field  # type: ignore[prop-decorator]
    @property
    def mean_days_late(self) -> float:
        return self.days_late_total / self.late_count


class KpiReport(_Result):
    as_of: date
    dso_window_days: int
    late_grace_days: int
    consistent_late_min_invoices: int
    currencies: list[CurrencyKpis]
    late_payers: list[LatePayer]


class InvoiceAging(_Result):
    """One open invoice's position on ``as_of``."""

    invoice_id: int
    number: str
    client_id: int
    client_name: str
    currency: str
    amount_minor: int
    outstanding_minor: int
    due_date: date
    days_overdue: int
    bucket: AgingBucket
    disputed: bool


@dataclass
class _Tally:
    """Running per-bucket sums for one aging line while the grouped rows are read."""

    name: str | None
    buckets: dict[AgingBucket, list[int]] = field(
        default_factory=lambda: {bucket: [0, 0] for bucket in AgingBucket}
    )
    disputed: list[int] = field(default_factory=lambda: [0, 0])

    def add(self, other: _Tally) -> None:
        for bucket, (amount, count) in other.buckets.items():
            self.buckets[bucket][0] += amount
            self.buckets[bucket][1] += count
        self.disputed[0] += other.disputed[0]
        self.disputed[1] += other.disputed[1]

    def line(self, currency: str, client_id: int | None) -> AgingLine:
        # model_construct: these integers come straight from our own query, and an aging
        # report at a million invoices has tens of thousands of them.
        buckets = {
            bucket: BucketTotal.model_construct(outstanding_minor=amount, count=count)
            for bucket, (amount, count) in self.buckets.items()
        }
        return AgingLine(
            currency=currency,
            client_id=client_id,
            client_name=self.name,
            buckets=buckets,
            disputed_minor=self.disputed[0],
            disputed_count=self.disputed[1],
        )


def _mappings(session: Session, query: Any) -> list[Mapping[str, Any]]:
    return [row._mapping for row in session.exec(query)]


def _positions(
    session: Session, *, as_of: date, actor: Actor, open_only: bool = False
) -> AliasedReturnsRows:
    """The positions ``actor`` may see on ``as_of``. When nothing was paid after it (every
    as-of-today report) they read the maintained totals: no per-invoice payment subqueries,
    whose cost PostgreSQL's planner charges to every row even though none runs."""
    return positions(
        as_of,
        owner_id=owner_scope(actor),
        open_only=open_only,
        paid_by_then=nothing_paid_after(session, as_of=as_of),
    )


def _with_client_names(grouped: Any) -> Any:
    """The grouped rows with their client's name, joined after grouping: a join inside would
    let the planner walk every client's invoices instead of the rows it filters to."""
    return select_many(grouped, col(Client.name).label("client_name")).join(
        Client, col(Client.id) == grouped.c.client_id
    )


def aging_from(
    totals: Mapping[tuple[Any, ...], totals_of.Totals], names: Mapping[int, str], *, as_of: date
) -> AgingReport:
    """The aging report from ``aging_columns`` totals per (currency, client id)."""
    tallies: dict[tuple[str, int], _Tally] = {}
    for (currency, client_id), sums in totals.items():
        if not any(count for _, count in totals_of.bucket_totals(sums).values()):
            continue
        tally = _Tally(name=names[client_id])
        for bucket, (amount, count) in totals_of.bucket_totals(sums).items():
            tally.buckets[bucket] = [amount, count]
        tally.disputed = [sums["disputed_minor"], sums["disputed_count"]]
        tallies[(currency, client_id)] = tally
    blocks: dict[str, tuple[list[AgingLine], _Tally]] = {}
    for (currency, client_id), tally in sorted(
        tallies.items(), key=lambda item: (item[0][0], item[1].name or "", item[0][1])
    ):
        lines, total = blocks.setdefault(currency, ([], _Tally(name=None)))
        lines.append(tally.line(currency, client_id))
        total.add(tally)
    return AgingReport(
        as_of=as_of,
        currencies=[
            CurrencyAging(currency=currency, clients=lines, total=total.line(currency, None))
            for currency, (lines, total) in blocks.items()
        ],
    )


def aging(session: Session, *, as_of: date, actor: Actor) -> AgingReport:
    """Open receivables on ``as_of`` per currency and client, in days-overdue buckets."""
    pos = _positions(session, as_of=as_of, actor=actor, open_only=True)
    grouped = (
        select_many(pos.c.currency, pos.c.client_id, *totals_of.aging_columns(pos))
        .where(pos.c.state == "open")
        .group_by(pos.c.currency, pos.c.client_id)
        .subquery("grouped")
    )
    rows = _mappings(session, _with_client_names(grouped))
    return aging_from(
        totals_of.fold(rows, by=("currency", "client_id"), only=totals_of.AGING),
        {row["client_id"]: row["client_name"] for row in rows},
        as_of=as_of,
    )


def kpis_from(
    totals: Mapping[tuple[Any, ...], totals_of.Totals], *, settings: Settings
) -> list[CurrencyKpis]:
    """Per-currency KPIs from ``kpi_columns`` totals per (currency,)."""
    return [
        CurrencyKpis(
            currency=currency,
            dso_window_days=settings.dso_window_days,
            **totals_of.kpi_values(sums),
        )
        for (currency,), sums in sorted(totals.items())
    ]


def currency_kpis(
    session: Session, *, as_of: date, settings: Settings, actor: Actor
) -> list[CurrencyKpis]:
    """The collection KPIs on ``as_of``, one entry per currency with any invoice issued by then."""
    pos = _positions(session, as_of=as_of, actor=actor)
    query = select_many(
        pos.c.currency, *totals_of.kpi_columns(pos, as_of=as_of, settings=settings)
    ).group_by(pos.c.currency)
    rows = _mappings(session, query)
    return kpis_from(totals_of.fold(rows, by=("currency",), only=totals_of.KPIS), settings=settings)


def late_payers_from(
    totals: Mapping[tuple[Any, ...], totals_of.Totals],
    names: Mapping[int, str],
    *,
    settings: Settings,
    limit: int | None = None,
) -> list[LatePayer]:
    """The late-payer ranking from ``late_columns`` totals per (client id,)."""
    payers = [
        LatePayer(
            client_id=client_id,
            client_name=names[client_id],
            settled_count=sums["late_settled_count"],
            late_count=sums["late_count"],
            days_late_total=sums["late_days_total"],
            max_days_late=sums["late_days_max"],
        )
        for (client_id,), sums in totals.items()
        if sums["late_settled_count"] >= settings.consistent_late_min_invoices
        and sums["late_count"] > 0
    ]
    # Exact fractions so that ties rank the same on every database.
    payers.sort(
        key=lambda p: (
            -Fraction(p.late_count, p.settled_count),
            -Fraction(p.days_late_total, p.late_count),
            p.client_name,
            p.client_id,
        )
    )
    return payers[:limit] if limit is not None else payers


def late_payers(
    session: Session,
    *,
    as_of: date,
    settings: Settings,
    actor: Actor,
    limit: int | None = None,
) -> list[LatePayer]:
    """Clients that settle late most consistently: highest late share, then mean days late."""
    pos = _positions(session, as_of=as_of, actor=actor)
    grouped = (
        select_many(pos.c.client_id, *totals_of.late_columns(pos, settings=settings))
        .where(pos.c.state == "paid")
        .group_by(pos.c.client_id)
        .subquery("grouped")
    )
    rows = _mappings(session, _with_client_names(grouped))
    return late_payers_from(
        totals_of.fold(rows, by=("client_id",), only=totals_of.LATE),
        {row["client_id"]: row["client_name"] for row in rows},
        settings=settings,
        limit=limit,
    )


def kpis(session: Session, *, as_of: date, settings: Settings, actor: Actor) -> KpiReport:
    """Per-currency KPIs and the late-payer ranking on ``as_of``."""
    return KpiReport(
        as_of=as_of,
        dso_window_days=settings.dso_window_days,
        late_grace_days=settings.late_grace_days,
        consistent_late_min_invoices=settings.consistent_late_min_invoices,
        currencies=currency_kpis(session, as_of=as_of, settings=settings, actor=actor),
        late_payers=late_payers(session, as_of=as_of, settings=settings, actor=actor),
    )


def invoice_aging(
    session: Session,
    *,
    as_of: date,
    actor: Actor,
    client_id: int | None = None,
    overdue_only: bool = False,
    limit: int | None = None,
) -> list[InvoiceAging]:
    """Open invoices on ``as_of`` with their days overdue and bucket, most overdue first."""
    pos = _positions(session, as_of=as_of, actor=actor, open_only=True)
    query = (
        select_many(
            pos.c.invoice_id,
            pos.c.number,
            pos.c.client_id,
            Client.name,
            pos.c.currency,
            pos.c.amount_minor,
            (pos.c.amount_minor - pos.c.paid_minor).label("outstanding_minor"),
            pos.c.due_date,
            pos.c.days_overdue,
            pos.c.bucket,
            pos.c.disputed,
        )
        .join(Client, col(Client.id) == pos.c.client_id)
        .where(pos.c.state == "open")
        .order_by(pos.c.days_overdue.desc(), pos.c.number)
    )
    if client_id is not None:
        query = query.where(pos.c.client_id == client_id)
    if overdue_only:
        query = query.where(pos.c.days_overdue > 0)
    if limit is not None:
        query = query.limit(limit)
    return [
        InvoiceAging(
            invoice_id=row[0],
            number=row[1],
            client_id=row[2],
            client_name=row[3],
            currency=row[4],
            amount_minor=int(row[5]),
            outstanding_minor=int(row[6]),
            due_date=row[7],
            days_overdue=max(0, int(row[8])),
            bucket=AgingBucket(row[9]),
            disputed=bool(row[10]),
        )
        for row in session.exec(query)
    ]
