"""The monthly review: late payers of the month, the collection trend, what reminders achieved,
the exceptions logged (extensions, disputes, promises kept or broken) and suggestions.

A reminder counts in the month it was sent (its outbox message's ``sent_at``); "paid within 7
days" means the invoice's balance reached zero within 7 days after that day, having been open
on it. A promise is kept when the invoice was fully paid by the promised date, broken when that
date has passed (on ``as_of``) without full payment, pending otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, computed_field
from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.db import select_many
from agent.errors import InvalidInput
from agent.models import Client, Invoice, Payment
from agent.models.draft import Draft, DraftInvoice
from agent.models.invoice_event import EventKind, InvoiceEvent
from agent.models.outbox import OutboxMessage, OutboxStatus
from agent.services.access.ownership import owner_scope, scoped
from agent.services.ledger import invoices
from agent.services.ledger.positions import positions, sum_if
from agent.services.reporting import cashflow, reports
from agent.services.scoring import model_health
from agent.settings import Settings

FOLLOW_UP_DAYS = 7
CHRONIC_LATE_SHARE = 0.5
MIN_REMINDERS_FOR_ADVICE = 3
EXCEPTION_KINDS = (
    EventKind.DUE_DATE_EXTENDED,
    EventKind.DISPUTE_OPENED,
    EventKind.DISPUTE_RESOLVED,
    EventKind.PROMISE_RECORDED,
)


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class MonthLatePayer(_Result):
    """A client's invoices settled in the month, and how many of those were late."""

    client_id: int
    client_name: str
    settled_count: int
    late_count: int
    days_late_total: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def mean_days_late(self) -> float | None:
        return self.days_late_total / self.late_count if self.late_count else None


class ReminderOutcome(_Result):
    """Reminders sent in the month for one tone and milestone, and how many were paid soon after."""

    tone: str
    milestone: str
    sent: int
    paid_within_7_days: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def paid_share(self) -> float | None:
        return self.paid_within_7_days / self.sent if self.sent else None


class ExceptionCount(_Result):
    kind: str
    count: int


class PromiseTally(_Result):
    kept: int
    broken: int
    pending: int


class CurrencyMonth(_Result):
    currency: str
    invoiced_minor: int
    invoiced_count: int
    collected_minor: int


class ReliabilityBin(_Result):
    rows: int
    predicted: float
    observed: float


class RiskModelSummary(_Result):
    """The deployed risk model as the review shows it: how well its P(late) is calibrated."""

    version: str
    family: str
    ece: float | None
    reliability: list[ReliabilityBin]


class MonthlyReview(_Result):
    month: str
    start_date: date
    end_date: date
    as_of: date
    currencies: list[CurrencyMonth]
    late_payers: list[MonthLatePayer]
    trend: list[cashflow.CurrencyTrend]
    reminders: list[ReminderOutcome]
    exceptions: list[ExceptionCount]
    promises: PromiseTally
    chronic_late_payers: list[reports.LatePayer]
    suggestions: list[str]
    risk_model: RiskModelSummary | None = None


def parse_month(text: str) -> date:
    """``2026-04`` → 2026-04-01; anything else is an ``InvalidInput`` naming ``month``."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return date(year, month, 1)
    except ValueError:
        raise InvalidInput(f"month must look like YYYY-MM, not {text!r}", field="month") from None


def _month_end(start: date) -> date:
    return date(start.year + start.month // 12, start.month % 12 + 1, 1) - timedelta(days=1)


def _utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _currencies(session: Session, *, start: date, end: date, actor: Actor) -> list[CurrencyMonth]:
    pos = positions(end, owner_id=owner_scope(actor))
    issued = and_(pos.c.issue_date >= start, pos.c.state != "void", pos.c.lifecycle != "draft")
    invoiced = {
        row[0]: (int(row[1]), int(row[2]))
        for row in session.exec(
            select(pos.c.currency, sum_if(issued, pos.c.amount_minor), sum_if(issued)).group_by(
                pos.c.currency
            )
        )
    }
    collected = dict(
        session.exec(
            scoped(
                select(Payment.currency, func.sum(Payment.amount_minor)).join(
                    Invoice, col(Invoice.id) == Payment.invoice_id
                ),
                actor,
                Invoice.owner_id,
            )
            .where(Payment.payment_date >= start, Payment.payment_date <= end)
            .where(invoices.payment_counts())
            .group_by(col(Payment.currency))
        ).all()
    )
    return [
        CurrencyMonth(
            currency=currency,
            invoiced_minor=invoiced.get(currency, (0, 0))[0],
            invoiced_count=invoiced.get(currency, (0, 0))[1],
            collected_minor=int(collected.get(currency, 0)),
        )
        for currency in sorted(set(invoiced) | set(collected))
        if invoiced.get(currency, (0, 0))[1] or collected.get(currency)
    ]


def month_late_payers(
    session: Session, *, start: date, end: date, settings: Settings, actor: Actor
) -> list[MonthLatePayer]:
    """Clients with invoices settled late in the month, most late invoices first."""
    pos = positions(end, owner_id=owner_scope(actor))
    late = pos.c.days_late > settings.late_grace_days
    query = (
        select_many(
            pos.c.client_id,
            Client.name,
            func.count(),
            sum_if(late),
            sum_if(late, pos.c.days_late),
        )
        .join(Client, col(Client.id) == pos.c.client_id)
        .where(pos.c.state == "paid", pos.c.last_payment_date >= start)
        .group_by(pos.c.client_id, Client.name)
    )
    payers = [
        MonthLatePayer(
            client_id=client_id,
            client_name=name,
            settled_count=int(settled),
            late_count=int(late_n),
            days_late_total=int(days),
        )
        for client_id, name, settled, late_n, days in session.exec(query)
        if int(late_n) > 0
    ]
    payers.sort(key=lambda p: (-p.late_count, -p.days_late_total, p.client_name, p.client_id))
    return payers


def settled_days(session: Session, invoice_ids: set[int]) -> dict[int, date]:
    """The day each of these invoices' payments first covered its amount (absent: never)."""
    result: dict[int, date] = {}
    ids = sorted(invoice_ids)
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        amounts = dict(
            session.exec(
                select(Invoice.id, Invoice.amount_minor).where(col(Invoice.id).in_(chunk))
            ).all()
        )
        running: dict[int, int] = defaultdict(int)
        for invoice_id, day, amount in session.exec(
            select_many(Payment.invoice_id, Payment.payment_date, Payment.amount_minor)
            .where(col(Payment.invoice_id).in_(chunk), invoices.payment_counts())
            .order_by(col(Payment.invoice_id), col(Payment.payment_date), col(Payment.id))
        ):
            running[invoice_id] += int(amount)
            if invoice_id not in result and running[invoice_id] >= amounts[invoice_id]:
                result[invoice_id] = day
    return result


def reminder_outcomes(
    session: Session, *, start: date, end: date, actor: Actor
) -> list[ReminderOutcome]:
    """Reminders sent in the month by tone and milestone, with the share paid within 7 days."""
    query = (
        select(Draft.tone, DraftInvoice.milestone, DraftInvoice.invoice_id, OutboxMessage.sent_at)
        .join(Draft, col(Draft.id) == OutboxMessage.draft_id)
        .join(DraftInvoice, col(DraftInvoice.draft_id) == Draft.id)
        .join(Invoice, col(Invoice.id) == DraftInvoice.invoice_id)
        .where(
            OutboxMessage.status == OutboxStatus.SENT,
            col(OutboxMessage.sent_at) >= _utc(start),
            col(OutboxMessage.sent_at) < _utc(end + timedelta(days=1)),
        )
    )
    query = scoped(query, actor, Invoice.owner_id)
    sent = [
        (str(tone), str(ms), int(inv), at.date()) for tone, ms, inv, at in session.exec(query) if at
    ]
    settled = settled_days(session, {inv for _, _, inv, _ in sent})
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for tone, milestone, invoice_id, day in sent:
        paid_on = settled.get(invoice_id)
        entry = tally[(tone, milestone)]
        entry[0] += 1
        if paid_on is not None and day <= paid_on <= day + timedelta(days=FOLLOW_UP_DAYS):
            entry[1] += 1
    return [
        ReminderOutcome(tone=tone, milestone=milestone, sent=n, paid_within_7_days=paid)
        for (tone, milestone), (n, paid) in sorted(tally.items())
    ]


def exceptions(
    session: Session, *, start: date, end: date, as_of: date, actor: Actor
) -> tuple[list[ExceptionCount], PromiseTally]:
    """Extensions, disputes and promises logged in the month; promises judged on ``as_of``."""
    query = (
        select(InvoiceEvent.kind, InvoiceEvent.invoice_id, InvoiceEvent.data)
        .join(Invoice, col(Invoice.id) == InvoiceEvent.invoice_id)
        .where(
            col(InvoiceEvent.kind).in_([k.value for k in EXCEPTION_KINDS]),
            col(InvoiceEvent.occurred_at) >= _utc(start),
            col(InvoiceEvent.occurred_at) < _utc(end + timedelta(days=1)),
        )
    )
    events = session.exec(scoped(query, actor, Invoice.owner_id)).all()
    counts: dict[str, int] = {k.value: 0 for k in EXCEPTION_KINDS}
    promises: list[tuple[int, date]] = []
    for kind, invoice_id, data in events:
        counts[kind] += 1
        promised = (data or {}).get("promised_date")
        if kind == EventKind.PROMISE_RECORDED and promised:
            promises.append((invoice_id, date.fromisoformat(promised)))
    settled = settled_days(session, {invoice_id for invoice_id, _ in promises})
    kept = broken = pending = 0
    for invoice_id, promised in promises:
        paid_on = settled.get(invoice_id)
        if paid_on is not None and paid_on <= promised and paid_on <= as_of:
            kept += 1
        elif promised < as_of:
            broken += 1
        else:
            pending += 1
    return (
        [ExceptionCount(kind=kind, count=n) for kind, n in counts.items()],
        PromiseTally(kept=kept, broken=broken, pending=pending),
    )


def _milestone_day(name: str) -> int:
    tail = name.rsplit("_", 1)[-1]
    return int(tail) if tail.isdigit() else (-1 if name == "pre_due" else 999)


def _late_payer_advice(chronic: list[reports.LatePayer]) -> list[str]:
    """One sentence for the worst late payer, one naming the others: never the same line twice."""
    if not chronic:
        return []
    worst, *others = chronic
    advice = [
        f"{worst.client_name} paid {worst.late_count} of {worst.settled_count} invoices late "
        f"({worst.mean_days_late:.0f} days on average): shorten their payment terms or ask for "
        "a deposit before new work."
    ]
    if others:
        names = ", ".join(
            f"{p.client_name} ({p.late_count} of {p.settled_count}, {p.mean_days_late:.0f} days)"
            for p in others
        )
        advice.append(
            f"{len(others)} more clients paid most of their invoices late — {names}: review "
            "their terms at the next order."
        )
    return advice


def suggestions(chronic: list[reports.LatePayer], reminders: list[ReminderOutcome]) -> list[str]:
    """Concrete next steps from the month's figures; each names who or what it is about."""
    advice = _late_payer_advice(chronic)
    by_milestone: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in reminders:
        by_milestone[r.milestone][0] += r.sent
        by_milestone[r.milestone][1] += r.paid_within_7_days
    rated = {
        m: paid / sent
        for m, (sent, paid) in by_milestone.items()
        if sent >= MIN_REMINDERS_FOR_ADVICE
    }
    if len(rated) >= 2:
        best = max(rated, key=lambda m: (rated[m], m))
        worst = min(rated, key=lambda m: (rated[m], m))
        if rated[best] > rated[worst]:
            earlier = _milestone_day(best) < _milestone_day(worst)
            advice.append(
                f"Reminders at milestone {best} were followed by payment within "
                f"{FOLLOW_UP_DAYS} days {rated[best]:.0%} of the time, against {rated[worst]:.0%} "
                f"at {worst}: "
                + (
                    "the early reminder does the work; keep it prompt."
                    if earlier
                    else "clients here answer the later, firmer reminder; consider sending it "
                    "sooner."
                )
            )
    by_tone: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in reminders:
        by_tone[r.tone][0] += r.sent
        by_tone[r.tone][1] += r.paid_within_7_days
    tones = {
        t: paid / sent for t, (sent, paid) in by_tone.items() if sent >= MIN_REMINDERS_FOR_ADVICE
    }
    if len(tones) >= 2:
        best_tone = max(tones, key=lambda t: (tones[t], t))
        advice.append(
            f"The {best_tone} tone had the best follow-through ({tones[best_tone]:.0%} paid "
            f"within {FOLLOW_UP_DAYS} days)."
        )
    if not advice:
        advice.append("Nothing stands out this month: no chronic late payer, too few reminders.")
    return advice


def monthly_review(
    session: Session,
    *,
    month: date,
    settings: Settings,
    actor: Actor,
    as_of: date | None = None,
) -> MonthlyReview:
    """The review of the calendar month starting ``month``, with figures known on ``as_of``.

    ``as_of`` defaults to the month's last day; it is capped there for the month's own figures,
    and promises are judged on it.
    """
    start = month.replace(day=1)
    end = _month_end(start)
    judged = as_of or end
    cut = min(end, judged)
    reminders = reminder_outcomes(session, start=start, end=cut, actor=actor)
    kinds, promises = exceptions(session, start=start, end=cut, as_of=judged, actor=actor)
    chronic = [
        p
        for p in reports.late_payers(session, as_of=cut, settings=settings, actor=actor)
        if p.late_share >= CHRONIC_LATE_SHARE
    ][:10]
    return MonthlyReview(
        month=start.strftime("%Y-%m"),
        start_date=start,
        end_date=end,
        as_of=judged,
        currencies=_currencies(session, start=start, end=cut, actor=actor),
        late_payers=month_late_payers(
            session, start=start, end=cut, settings=settings, actor=actor
        ),
        trend=cashflow.trend(session, as_of=cut, settings=settings, actor=actor),
        reminders=reminders,
        exceptions=kinds,
        promises=promises,
        chronic_late_payers=chronic,
        suggestions=suggestions(chronic, reminders),
        risk_model=_risk_model(session),
    )


def _risk_model(session: Session) -> RiskModelSummary | None:
    record = model_health.deployed(session)
    if record is None:
        return None
    metrics = record.details.get("metrics", {})
    return RiskModelSummary(
        version=record.version,
        family=record.family,
        ece=metrics.get("ece"),
        reliability=[
            ReliabilityBin(rows=b["rows"], predicted=b["predicted"], observed=b["observed"])
            for b in metrics.get("calibration", [])
        ],
    )
