"""The dashboard's figures against the small hand-computed ledger in ``tests/dashboard/ledger``."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from agent.services.ledger import invoices
from agent.services.reporting import cashflow, expected_cash, reports
from agent.settings import Settings
from tests.dashboard.ledger import AS_OF, small_ledger
from tests.factories import TEST_ACTOR, make_invoice, pay

MONDAY = date(2026, 3, 9)


@pytest.fixture
def board(session: Session, settings: Settings) -> cashflow.Dashboard:
    small_ledger(session)
    return cashflow.dashboard(session, actor=TEST_ACTOR, as_of=AS_OF, settings=settings)


def test_outstanding_and_overdue_now_per_currency(board: cashflow.Dashboard) -> None:
    eur, usd = board.currencies
    assert (eur.currency, eur.outstanding_minor, eur.overdue_minor) == ("EUR", 15_000, 10_000)
    assert (usd.currency, usd.outstanding_minor, usd.overdue_minor) == ("USD", 3_000, 0)
    # DSO: 150.00 outstanding over 350.00 invoiced in the 90 days before, times 90.
    assert eur.dso_days == pytest.approx(15_000 / 35_000 * 90)


def test_aging_buckets(board: cashflow.Dashboard) -> None:
    eur = board.aging.currencies[0].total.buckets
    assert eur[reports.AgingBucket.DAYS_31_60].outstanding_minor == 10_000  # 39 days
    assert eur[reports.AgingBucket.NOT_YET_DUE].outstanding_minor == 5_000
    assert eur[reports.AgingBucket.DAYS_1_30].outstanding_minor == 0


def test_cash_received_by_past_week_and_expected_ahead(board: cashflow.Dashboard) -> None:
    eur = next(flow for flow in board.cash if flow.currency == "EUR")
    assert len(eur.past) == 8 and len(eur.ahead) == 8
    assert eur.past[-1].week_start == date(2026, 3, 2)
    assert [w.received_minor for w in eur.past] == [0] * 7 + [20_000]
    ahead = {w.week_start: w for w in eur.ahead}
    assert ahead[MONDAY].expected_minor == 10_000  # past due, no score: this week
    assert ahead[date(2026, 3, 23)].expected_minor == 5_000  # the newest score's date
    assert ahead[date(2026, 3, 16)].expected_minor == 0
    # The interval 03-18..03-31 spans three weeks: high there, low nowhere.
    assert [ahead[MONDAY].low_minor, ahead[MONDAY].high_minor] == [10_000, 10_000]
    for week in (date(2026, 3, 16), date(2026, 3, 23), date(2026, 3, 30)):
        assert (ahead[week].low_minor, ahead[week].high_minor) == (0, 5_000)
    assert ahead[date(2026, 4, 6)].high_minor == 0
    usd = next(flow for flow in board.cash if flow.currency == "USD")
    assert usd.ahead[0].expected_minor == 3_000 and usd.past[-1].received_minor == 0


def test_interval_brackets_the_expectation(session: Session, settings: Settings) -> None:
    small_ledger(session)
    report = expected_cash.expected_cash(session, actor=TEST_ACTOR, as_of=AS_OF, weeks=8)
    for currency in report.currencies:
        for week in currency.weeks:
            assert week.low_minor <= week.expected_minor <= week.high_minor


def test_high_risk_accounts_use_the_newest_score(board: cashflow.Dashboard) -> None:
    [account] = board.high_risk
    assert account.client_name == "Acme BV"
    assert account.outstanding_minor == {"EUR": 5_000}
    assert account.max_p_late == pytest.approx(0.9)
    assert account.reasons == ["paid 3 of 3 earlier invoices late"]


def test_workload_per_owner(board: cashflow.Dashboard) -> None:
    by_name = {w.owner_name: w for w in board.workload}
    assert (by_name["Ann"].pending_drafts, by_name["Ann"].overdue_invoices) == (1, 1)
    assert by_name["Ann"].follow_ups_due == 1  # the one due 2026-04-01 is not due yet
    bob = by_name["Bob"]
    assert (bob.pending_drafts, bob.overdue_invoices, bob.follow_ups_due) == (0, 0, 0)


def test_trend_by_month(board: cashflow.Dashboard, settings: Settings) -> None:
    eur = next(t for t in board.trend if t.currency == "EUR")
    assert len(eur.months) == 12 and eur.months[-1].month == "2026-03"
    march, february = eur.months[-1], eur.months[-2]
    assert (march.settled_count, march.days_to_pay_total) == (1, 57)
    assert march.average_days_to_pay == 57
    assert march.dso_days == pytest.approx(15_000 / 35_000 * 90)
    # On 2026-02-28 all three EUR invoices were open: 350.00 over 350.00 of sales.
    assert february.month_end == date(2026, 2, 28)
    assert february.outstanding_minor == 35_000 and february.dso_days == pytest.approx(90)
    assert february.average_days_to_pay is None
    assert eur.months[0].month == "2025-04" and eur.months[0].dso_days is None


def test_dashboard_agrees_with_the_reporting_module(
    session: Session, settings: Settings, board: cashflow.Dashboard
) -> None:
    assert board.currencies == reports.currency_kpis(
        session, actor=TEST_ACTOR, as_of=AS_OF, settings=settings
    )
    assert board.aging == reports.aging(session, actor=TEST_ACTOR, as_of=AS_OF)
    assert board.late_payers == reports.late_payers(
        session, actor=TEST_ACTOR, as_of=AS_OF, settings=settings, limit=10
    )
    assert board.workload == cashflow.workload(session, actor=TEST_ACTOR, as_of=AS_OF)
    assert board.trend == cashflow.trend(session, actor=TEST_ACTOR, as_of=AS_OF, settings=settings)


def test_the_dashboard_scans_the_ledger_once(
    session: Session, settings: Settings, engine: Engine
) -> None:
    small_ledger(session)
    statements: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        cashflow.dashboard(session, actor=TEST_ACTOR, as_of=AS_OF, settings=settings)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    # Reads of the whole invoice table, not only of the open invoices the balance index finds.
    full_scans = [s for s in statements if "FROM invoice" in s and "paid_minor >" not in s]
    assert len(full_scans) == 1


def test_month_starts_cross_the_year() -> None:
    assert cashflow.month_starts(date(2026, 2, 15), 3) == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


def test_month_end_balances_equal_the_kpis_of_that_day(
    session: Session, settings: Settings
) -> None:
    small = small_ledger(session)
    # A voided and a written-off invoice, and a part payment, so every rule is exercised.
    gone = make_invoice(session, client=small.acme, number="V-1", issue_date=date(2026, 1, 10))
    invoices.void(
        session, invoice_id=gone.id, closed_date=date(2026, 2, 10), reason="dup", actor=TEST_ACTOR
    )
    bad = make_invoice(session, client=small.acme, number="W-1", issue_date=date(2025, 11, 3))
    invoices.write_off(
        session, invoice_id=bad.id, closed_date=date(2026, 1, 20), reason="gone", actor=TEST_ACTOR
    )
    pay(session, small.late, amount_minor=2_500, payment_date=date(2026, 2, 14))
    session.commit()
    board = cashflow.trend(session, actor=TEST_ACTOR, as_of=AS_OF, settings=settings)
    for currency in board:
        for month in currency.months:
            found = [
                k
                for k in reports.currency_kpis(
                    session, actor=TEST_ACTOR, as_of=month.month_end, settings=settings
                )
                if k.currency == currency.currency
            ]
            assert len(found) <= 1
            kpi = found[0] if found else None
            expected = (kpi.outstanding_minor, kpi.credit_sales_minor) if kpi else (0, 0)
            assert (month.outstanding_minor, month.credit_sales_minor) == expected, month.month
