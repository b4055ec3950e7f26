"""Aging, KPIs and late payers: hand-computed ledgers, and SQL against a recomputation."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from agent.models import Client, Invoice, Lifecycle, Payment
from agent.services.ledger import invoices
from agent.services.ledger.standing import State, derive
from agent.services.reporting import reports
from agent.services.reporting.reports import AgingBucket, AgingReport, CurrencyKpis
from agent.settings import Settings
from tests.factories import TEST_ACTOR, make_client, make_invoice, make_user, pay

AS_OF = date(2026, 4, 30)
B = AgingBucket


@dataclass(frozen=True)
class Ledger:
    alpha: Client
    beta: Client
    gamma: Client


def _build_ledger(session: Session) -> Ledger:
    """The ledger whose figures on 2026-04-30 are worked out by hand in the tests below."""
    owner = make_user(session)
    alpha = make_client(session, name="Alpha")
    beta = make_client(session, name="Beta")
    gamma = make_client(session, name="Gamma", currency="USD")

    def invoice(client: Client, amount: int, issued: date, due: date, **kw: object) -> Invoice:
        return make_invoice(
            session,
            client=client,
            owner=owner,
            amount_minor=amount,
            issue_date=issued,
            due_date=due,
            **kw,  # type: ignore[arg-type]
        )

    def d(text: str) -> date:
        return date.fromisoformat(text)

    # Alpha, EUR
    invoice(alpha, 10_000, d("2026-01-10"), d("2026-02-09"))  # A1: 80 days overdue
    a2 = invoice(alpha, 20_000, d("2026-03-01"), d("2026-03-31"))
    pay(session, a2, amount_minor=5_000, payment_date=d("2026-04-10"))
    invoices.extend_due_date(
        session, invoice_id=a2.id, new_due_date=d("2026-05-15"), reason="asked", actor=TEST_ACTOR
    )  # A2: partial, extended → 15 000 not yet due
    a3 = invoice(alpha, 8_000, d("2026-02-01"), d("2026-03-03"))
    pay(session, a3, payment_date=d("2026-05-05"))  # A3: paid after the as-of day → 58 overdue
    invoice(alpha, 3_000, d("2026-04-01"), d("2026-05-01"), lifecycle=Lifecycle.DRAFT)  # A4
    a5 = invoice(alpha, 5_000, d("2026-02-10"), d("2026-03-12"))
    pay(session, a5, payment_date=d("2026-03-20"))  # A5: 38 days to pay, 8 days late
    a6 = invoice(alpha, 2_500, d("2026-01-20"), d("2026-02-19"))
    invoices.extend_due_date(
        session, invoice_id=a6.id, new_due_date=d("2026-03-31"), reason="ok", actor=TEST_ACTOR
    )
    pay(session, a6, payment_date=d("2026-03-25"))  # A6: 64 to pay, 34 late vs original due
    invoice(alpha, 1_500, d("2025-10-01"), d("2025-10-31"))  # A7: 181 days overdue

    # Beta, EUR and USD
    b1 = invoice(beta, 12_000, d("2025-12-01"), d("2025-12-31"))
    pay(session, b1, amount_minor=2_000, payment_date=d("2026-01-15"))
    invoices.write_off(
        session, invoice_id=b1.id, closed_date=d("2026-04-01"), reason="gone", actor=TEST_ACTOR
    )  # B1: 10 000 written off before the as-of day
    b2 = invoice(beta, 6_000, d("2026-01-05"), d("2026-02-04"))
    invoices.write_off(
        session, invoice_id=b2.id, closed_date=d("2026-05-10"), reason="later", actor=TEST_ACTOR
    )  # B2: written off after the as-of day → still open, 85 overdue
    b3 = invoice(beta, 4_000, d("2026-04-10"), d("2026-05-10"))
    invoices.open_dispute(
        session, invoice_id=b3.id, reason="wrong", opened_date=d("2026-04-20"), actor=TEST_ACTOR
    )  # B3: disputed, not yet due
    b4 = invoice(beta, 9_000, d("2026-03-05"), d("2026-04-04"))
    invoices.void(
        session, invoice_id=b4.id, closed_date=d("2026-03-20"), reason="dup", actor=TEST_ACTOR
    )  # B4: void before → nowhere
    b5 = invoice(beta, 7_000, d("2026-02-20"), d("2026-03-22"))
    invoices.void(
        session, invoice_id=b5.id, closed_date=d("2026-05-02"), reason="dup", actor=TEST_ACTOR
    )  # B5: void after → open, 39 overdue
    b6 = invoice(beta, 1_000, d("2026-03-01"), d("2026-03-31"))
    pay(session, b6, payment_date=d("2026-03-25"))  # B6: 24 days to pay, on time
    invoice(beta, 5_000, d("2026-04-05"), d("2026-04-20"), currency="USD")  # B7: 10 overdue

    # Gamma, USD
    invoice(gamma, 30_000, d("2026-04-01"), d("2026-05-01"))  # C1: due tomorrow
    invoice(gamma, 10_000, d("2026-03-01"), d("2026-03-16"))  # C2: 45 overdue
    c3 = invoice(gamma, 4_000, d("2026-01-01"), d("2026-01-31"))
    pay(session, c3, payment_date=d("2026-02-10"))  # C3: 40 days to pay, 10 late
    invoice(gamma, 2_000, d("2026-05-05"), d("2026-06-04"))  # C4: issued after the as-of day
    session.commit()
    return Ledger(alpha=alpha, beta=beta, gamma=gamma)


def _amounts(line: reports.AgingLine) -> dict[AgingBucket, tuple[int, int]]:
    return {b: (t.outstanding_minor, t.count) for b, t in line.buckets.items()}


def _by_currency(report: AgingReport) -> dict[str, reports.CurrencyAging]:
    return {block.currency: block for block in report.currencies}


def test_aging_of_a_hand_computed_ledger(session: Session) -> None:
    ledger = _build_ledger(session)
    report = reports.aging(session, actor=TEST_ACTOR, as_of=AS_OF)
    blocks = _by_currency(report)
    assert list(blocks) == ["EUR", "USD"]

    eur = blocks["EUR"]
    assert [(line.client_id, line.client_name) for line in eur.clients] == [
        (ledger.alpha.id, "Alpha"),
        (ledger.beta.id, "Beta"),
    ]
    alpha, beta = eur.clients
    assert _amounts(alpha) == {
        B.NOT_YET_DUE: (15_000, 1),
        B.DAYS_1_30: (0, 0),
        B.DAYS_31_60: (8_000, 1),
        B.DAYS_61_90: (10_000, 1),
        B.DAYS_OVER_90: (1_500, 1),
    }
    assert (alpha.outstanding_minor, alpha.count, alpha.overdue_minor) == (34_500, 4, 19_500)
    assert _amounts(beta) == {
        B.NOT_YET_DUE: (4_000, 1),
        B.DAYS_1_30: (0, 0),
        B.DAYS_31_60: (7_000, 1),
        B.DAYS_61_90: (6_000, 1),
        B.DAYS_OVER_90: (0, 0),
    }
    assert (beta.disputed_minor, beta.disputed_count) == (4_000, 1)
    assert _amounts(eur.total) == {
        B.NOT_YET_DUE: (19_000, 2),
        B.DAYS_1_30: (0, 0),
        B.DAYS_31_60: (15_000, 2),
        B.DAYS_61_90: (16_000, 2),
        B.DAYS_OVER_90: (1_500, 1),
    }
    assert (eur.total.outstanding_minor, eur.total.count, eur.total.overdue_minor) == (
        51_500,
        7,
        32_500,
    )
    assert eur.total.client_id is None

    # Beta owes in two currencies: two lines, never one sum.
    usd = blocks["USD"]
    assert [line.client_name for line in usd.clients] == ["Beta", "Gamma"]
    assert _amounts(usd.clients[0])[B.DAYS_1_30] == (5_000, 1)
    assert _amounts(usd.total) == {
        B.NOT_YET_DUE: (30_000, 1),
        B.DAYS_1_30: (5_000, 1),
        B.DAYS_31_60: (10_000, 1),
        B.DAYS_61_90: (0, 0),
        B.DAYS_OVER_90: (0, 0),
    }


def test_kpis_of_a_hand_computed_ledger(session: Session, settings: Settings) -> None:
    _build_ledger(session)
    report = reports.kpis(session, actor=TEST_ACTOR, as_of=AS_OF, settings=settings)
    eur, usd = report.currencies
    assert eur == CurrencyKpis(
        currency="EUR",
        outstanding_minor=51_500,
        open_count=7,
        overdue_minor=32_500,
        overdue_count=5,
        disputed_minor=4_000,
        disputed_count=1,
        credit_sales_minor=45_000,  # A2 A3 A5 B3 B5 B6, issued after 2026-01-30
        credit_sales_count=6,
        dso_window_days=90,
        settled_count=3,  # A5 A6 B6
        days_to_pay_total=38 + 64 + 24,
        paid_late_count=2,  # A5, and A6 despite its extension
        invoiced_minor=77_000,
        invoiced_count=11,
        written_off_minor=10_000,
        written_off_count=1,
    )
    assert eur.dso_days == pytest.approx(103.0)
    assert eur.average_days_to_pay == pytest.approx(42.0)
    assert eur.paid_late_share == pytest.approx(2 / 3)
    assert eur.overdue_share == pytest.approx(32_500 / 51_500)
    assert eur.written_off_share == pytest.approx(10_000 / 77_000)

    assert (usd.currency, usd.outstanding_minor, usd.overdue_minor) == ("USD", 45_000, 15_000)
    assert (usd.credit_sales_minor, usd.dso_days) == (45_000, pytest.approx(90.0))
    assert (usd.settled_count, usd.days_to_pay_total, usd.paid_late_count) == (1, 40, 1)
    assert (usd.invoiced_minor, usd.written_off_minor, usd.written_off_share) == (49_000, 0, 0.0)


def test_grace_days_forgive_short_delays(session: Session, settings: Settings) -> None:
    _build_ledger(session)
    lenient = settings.model_copy(update={"late_grace_days": 8})
    eur, usd = reports.currency_kpis(session, actor=TEST_ACTOR, as_of=AS_OF, settings=lenient)
    assert eur.paid_late_count == 1  # A5 was exactly 8 days late; A6 34
    assert usd.paid_late_count == 1  # C3 10 days late


def test_bucket_edges(session: Session) -> None:
    client = make_client(session, name="Edges")
    for days in (0, 1, 30, 31, 60, 61, 90, 91):
        due = AS_OF - timedelta(days=days)
        make_invoice(session, client=client, amount_minor=100 + days, issue_date=due, due_date=due)
    session.commit()
    (block,) = reports.aging(session, actor=TEST_ACTOR, as_of=AS_OF).currencies
    assert _amounts(block.total) == {
        B.NOT_YET_DUE: (100, 1),
        B.DAYS_1_30: (101 + 130, 2),
        B.DAYS_31_60: (131 + 160, 2),
        B.DAYS_61_90: (161 + 190, 2),
        B.DAYS_OVER_90: (191, 1),
    }
    rows = reports.invoice_aging(session, actor=TEST_ACTOR, as_of=AS_OF)
    assert [r.days_overdue for r in rows] == [91, 90, 61, 60, 31, 30, 1, 0]


def test_closures_and_payments_take_effect_on_their_dates(session: Session) -> None:
    _build_ledger(session)
    later = _by_currency(reports.aging(session, actor=TEST_ACTOR, as_of=date(2026, 5, 12)))
    # A3 paid on 05-05, B5 voided on 05-02, B2 written off on 05-10; C4 issued on 05-05.
    assert later["EUR"].total.outstanding_minor == 10_000 + 15_000 + 1_500 + 4_000
    assert later["USD"].total.outstanding_minor == 30_000 + 10_000 + 5_000 + 2_000
    before = reports.aging(session, actor=TEST_ACTOR, as_of=date(2025, 9, 30))
    assert before.currencies == []


def test_late_payers_rank_by_share_then_mean_days_late(
    session: Session, settings: Settings
) -> None:
    ledger = _build_ledger(session)
    assert (
        reports.late_payers(session, actor=TEST_ACTOR, as_of=AS_OF, settings=settings) == []
    )  # minimum is 3
    everyone = settings.model_copy(update={"consistent_late_min_invoices": 1})
    ranked = reports.late_payers(session, actor=TEST_ACTOR, as_of=AS_OF, settings=everyone)
    assert [(p.client_id, p.settled_count, p.late_count, p.max_days_late) for p in ranked] == [
        (ledger.alpha.id, 2, 2, 34),
        (ledger.gamma.id, 1, 1, 10),
    ]  # Beta settled B6 on time: not a late payer
    assert ranked[0].mean_days_late == pytest.approx(21.0)
    assert ranked[0].late_share == 1.0
    two = settings.model_copy(update={"consistent_late_min_invoices": 2})
    assert [
        p.client_name
        for p in reports.late_payers(session, actor=TEST_ACTOR, as_of=AS_OF, settings=two)
    ] == ["Alpha"]


def test_invoice_aging_lists_open_invoices_most_overdue_first(session: Session) -> None:
    ledger = _build_ledger(session)
    rows = reports.invoice_aging(session, actor=TEST_ACTOR, as_of=AS_OF, client_id=ledger.alpha.id)
    assert [(r.amount_minor, r.outstanding_minor, r.days_overdue, r.bucket) for r in rows] == [
        (1_500, 1_500, 181, B.DAYS_OVER_90),
        (10_000, 10_000, 80, B.DAYS_61_90),
        (8_000, 8_000, 58, B.DAYS_31_60),
        (20_000, 15_000, 0, B.NOT_YET_DUE),
    ]
    overdue = reports.invoice_aging(session, actor=TEST_ACTOR, as_of=AS_OF, overdue_only=True)
    assert len(overdue) == 7
    everything = reports.invoice_aging(session, actor=TEST_ACTOR, as_of=AS_OF)
    assert [(r.client_name, r.outstanding_minor) for r in everything if r.disputed] == [
        ("Beta", 4_000)
    ]


def test_report_json_carries_minor_units_with_currency(session: Session) -> None:
    _build_ledger(session)
    data = reports.aging(session, actor=TEST_ACTOR, as_of=AS_OF).model_dump(mode="json")
    total = data["currencies"][0]["total"]
    assert (total["currency"], total["outstanding_minor"]) == ("EUR", 51_500)
    assert total["buckets"]["90+"] == {"outstanding_minor": 1_500, "count": 1}


# The consistency guarantee: a random mixed ledger, recomputed invoice by invoice from derive.

CURRENCIES = ("EUR", "USD", "JPY")
KPI_FIGURES = (
    "outstanding",
    "open",
    "overdue",
    "overdue_n",
    "disputed",
    "disputed_n",
    "sales",
    "sales_n",
    "invoiced",
    "invoiced_n",
    "written_off",
    "written_off_n",
    "settled",
    "days_to_pay",
    "late",
)


def _random_ledger(session: Session, *, seed: int, count: int) -> None:
    rng = random.Random(seed)
    owner = make_user(session)
    clients = [
        make_client(session, name=f"Random {i}", currency=CURRENCIES[i % 3]) for i in range(6)
    ]
    start = date(2025, 1, 1)
    for _ in range(count):
        client = rng.choice(clients)
        issued = start + timedelta(days=rng.randrange(500))
        due = issued + timedelta(days=rng.choice((0, 14, 30, 45)))
        draft = rng.random() < 0.07
        inv = make_invoice(
            session,
            client=client,
            owner=owner,
            amount_minor=rng.randrange(100, 50_000),
            currency=rng.choice(CURRENCIES) if rng.random() < 0.2 else client.currency,
            issue_date=issued,
            due_date=due,
            lifecycle=Lifecycle.DRAFT if draft else Lifecycle.SENT,
        )
        if not draft and rng.random() < 0.15:
            invoices.extend_due_date(
                session,
                invoice_id=inv.id,
                new_due_date=due + timedelta(days=rng.randrange(1, 60)),
                reason="asked",
                actor=TEST_ACTOR,
            )
        roll = rng.random()
        if roll < 0.08 and not draft:
            invoices.void(
                session,
                invoice_id=inv.id,
                closed_date=issued + timedelta(days=rng.randrange(0, 90)),
                reason="mistake",
                actor=TEST_ACTOR,
            )
            continue
        paid_date = issued + timedelta(days=rng.randrange(0, 120))
        settled = roll < 0.55
        if settled:
            pay(session, inv, payment_date=paid_date)
        elif roll < 0.75:
            pay(session, inv, amount_minor=inv.amount_minor // 3, payment_date=paid_date)
            settled = rng.random() < 0.5
            if settled:
                pay(session, inv, payment_date=paid_date + timedelta(days=rng.randrange(0, 60)))
        if draft or settled:
            continue
        if rng.random() < 0.3:
            invoices.write_off(
                session,
                invoice_id=inv.id,
                closed_date=issued + timedelta(days=rng.randrange(30, 200)),
                reason="uncollectable",
                actor=TEST_ACTOR,
            )
        elif rng.random() < 0.4:
            invoices.open_dispute(
                session,
                invoice_id=inv.id,
                reason="quality",
                opened_date=issued + timedelta(days=rng.randrange(0, 60)),
                actor=TEST_ACTOR,
            )
    session.commit()


def _bucket(days_overdue: int) -> str:
    for limit, name in ((0, "not_yet_due"), (30, "1-30"), (60, "31-60"), (90, "61-90")):
        if days_overdue <= limit:
            return name
    return "90+"


def _recompute(session: Session, *, as_of: date, settings: Settings) -> dict[str, object]:
    """Every report figure from ``derive``, one invoice at a time, in plain Python."""
    payments_by_invoice: dict[int, list[Payment]] = defaultdict(list)
    for payment in session.exec(select(Payment)):
        payments_by_invoice[payment.invoice_id].append(payment)
    names = {c.id: c.name for c in session.exec(select(Client))}
    aging: dict[tuple[str, int], dict[str, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    kpi: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_client: dict[int, list[int]] = defaultdict(list)
    window_start = as_of - timedelta(days=settings.dso_window_days)
    year_start = as_of - timedelta(days=365)
    for inv in session.exec(select(Invoice)):
        if inv.issue_date > as_of:
            continue
        counted = [p for p in payments_by_invoice[inv.id] if p.payment_date <= as_of]
        standing = derive(
            inv,
            paid_minor=sum(p.amount_minor for p in counted),
            as_of=as_of,
            due_soon_days=settings.due_soon_days,
        )
        k = kpi[inv.currency]
        invoiced = inv.lifecycle != Lifecycle.DRAFT and standing.state != State.VOID
        if standing.is_open:
            days = (as_of - inv.due_date).days
            cell = aging[(inv.currency, inv.client_id)]
            cell[_bucket(days)][0] += standing.outstanding_minor
            cell[_bucket(days)][1] += 1
            k["outstanding"] += standing.outstanding_minor
            k["open"] += 1
            if days > 0:
                k["overdue"] += standing.outstanding_minor
                k["overdue_n"] += 1
            if standing.state == State.DISPUTED:
                cell["disputed"][0] += standing.outstanding_minor
                cell["disputed"][1] += 1
                k["disputed"] += standing.outstanding_minor
                k["disputed_n"] += 1
        if invoiced and inv.issue_date > window_start:
            k["sales"] += inv.amount_minor
            k["sales_n"] += 1
        if invoiced and inv.issue_date > year_start:
            k["invoiced"] += inv.amount_minor
            k["invoiced_n"] += 1
        if standing.state == State.WRITTEN_OFF and inv.issue_date > year_start:
            k["written_off"] += standing.balance_minor
            k["written_off_n"] += 1
        if standing.state == State.PAID:
            final = max(p.payment_date for p in counted)
            late_by = (final - inv.original_due_date).days
            per_client[inv.client_id].append(late_by)
            if final > year_start:
                k["settled"] += 1
                k["days_to_pay"] += (final - inv.issue_date).days
                k["late"] += late_by > settings.late_grace_days
    late_payers = []
    for client_id, delays in per_client.items():
        late = [d for d in delays if d > settings.late_grace_days]
        if len(delays) >= settings.consistent_late_min_invoices and late:
            late_payers.append(
                (-len(late) / len(delays), -sum(late) / len(late), names[client_id], client_id)
            )
    return {
        "aging": {key: {b: tuple(v) for b, v in cell.items()} for key, cell in aging.items()},
        "kpis": {c: {name: v[name] for name in KPI_FIGURES} for c, v in kpi.items()},
        "late": [row[3] for row in sorted(late_payers)],
    }


def _report_figures(session: Session, *, as_of: date, settings: Settings) -> dict[str, object]:
    aging: dict[tuple[str, int], dict[str, tuple[int, int]]] = {}
    for block in reports.aging(session, actor=TEST_ACTOR, as_of=as_of).currencies:
        for line in block.clients:
            cell = {b.value: (t.outstanding_minor, t.count) for b, t in line.buckets.items()}
            if line.disputed_count:
                cell["disputed"] = (line.disputed_minor, line.disputed_count)
            assert line.client_id is not None
            aging[(line.currency, line.client_id)] = {k: v for k, v in cell.items() if v[1]}
    kpis = {
        k.currency: {
            "outstanding": k.outstanding_minor,
            "open": k.open_count,
            "overdue": k.overdue_minor,
            "overdue_n": k.overdue_count,
            "disputed": k.disputed_minor,
            "disputed_n": k.disputed_count,
            "sales": k.credit_sales_minor,
            "sales_n": k.credit_sales_count,
            "invoiced": k.invoiced_minor,
            "invoiced_n": k.invoiced_count,
            "written_off": k.written_off_minor,
            "written_off_n": k.written_off_count,
            "settled": k.settled_count,
            "days_to_pay": k.days_to_pay_total,
            "late": k.paid_late_count,
        }
        for k in reports.currency_kpis(session, actor=TEST_ACTOR, as_of=as_of, settings=settings)
    }
    late = [
        p.client_id
        for p in reports.late_payers(session, actor=TEST_ACTOR, as_of=as_of, settings=settings)
    ]
    return {"aging": aging, "kpis": kpis, "late": late}


# 2027-01-31 follows every payment of the random ledger: the reports read the maintained totals.
@pytest.mark.parametrize(
    "as_of", [date(2025, 6, 30), date(2025, 12, 31), date(2026, 5, 20), date(2027, 1, 31)]
)
def test_sql_reports_equal_a_recomputation_from_derive(
    session: Session, settings: Settings, as_of: date
) -> None:
    _random_ledger(session, seed=as_of.toordinal(), count=160)
    tuned = settings.model_copy(update={"consistent_late_min_invoices": 2, "late_grace_days": 3})
    expected = _recompute(session, as_of=as_of, settings=tuned)
    actual = _report_figures(session, as_of=as_of, settings=tuned)
    assert actual == expected
    assert expected["aging"] and expected["late"], "the random ledger should exercise every report"
