"""The forecast backtest on generated data whose payment behaviour is known in advance."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from agent.cli.app import app
from agent.services.reporting import backtest
from agent.services.scoring import risk_scoring
from agent.settings import Settings
from tests.factories import TEST_ACTOR, make_client, make_invoice, make_user, pay

AS_OF = date(2026, 5, 6)
FIRST_ISSUE = date(2025, 9, 1)
# Each client pays every invoice this many days after its due date, without exception.
DELAYS = {"Slow Traders": 21, "Prompt Ltd": 0, "Early Bird BV": -10}


def generate(session: Session) -> None:
    owner = make_user(session, name="Ann", email="ann@example.com")
    for name, delay in DELAYS.items():
        client = make_client(session, name=name)
        issue = FIRST_ISSUE
        n = 0
        while issue <= AS_OF - timedelta(days=7):
            n += 1
            invoice = make_invoice(
                session,
                client=client,
                owner=owner,
                number=f"{name[:4].upper()}-{n:03d}",
                amount_minor=10_000 + 100 * n,
                issue_date=issue,
                due_date=issue + timedelta(days=30),
            )
            paid = invoice.due_date + timedelta(days=delay)
            if paid < AS_OF:
                pay(session, invoice, payment_date=max(paid, issue))
            issue += timedelta(days=7)
    session.commit()


def test_the_model_beats_paying_on_the_due_date(session: Session, settings: Settings) -> None:
    generate(session)
    report = backtest.backtest(session, settings=settings, as_of=AS_OF, weeks=8, prior_only=True)
    [eur] = report.currencies
    assert eur.actual_minor > 0
    # Slow Traders always pays three weeks late: the due-date forecast misses all of it.
    assert eur.model_wape is not None and eur.naive_wape is not None
    assert eur.model_wape < 0.5 * eur.naive_wape
    assert (report.trained_origins, report.prior_origins) == (0, 8)
    assert len(report.detail) == sum(min(4, 8 - i) for i in range(8))


def test_short_history_falls_back_to_the_prior(session: Session, settings: Settings) -> None:
    generate(session)
    thin = settings.model_copy(update={"risk_min_history_rows": 10_000})
    report = backtest.backtest(session, settings=thin, as_of=AS_OF, weeks=3)
    assert (report.trained_origins, report.prior_origins) == (0, 3)
    assert {row.model_version for row in report.detail} == {"prior"}


def test_the_cut_ledger_knows_nothing_later(session: Session) -> None:
    generate(session)
    full = risk_scoring.load_history(session).ledger
    cut_day = backtest._day(date(2026, 1, 4))
    cut = backtest.cut_ledger(full, through_day=cut_day)
    assert cut.invoices["issue_day"].max() <= cut_day
    assert len(cut.payments) and cut.payments["day"].max() <= cut_day
    assert len(cut.invoices) < len(full.invoices)
    settled = cut.invoices["settled_day"].to_numpy()
    assert np.all((settled <= cut_day) | (settled == backtest.NEVER))


@pytest.mark.parametrize("weeks", [1, 5])
def test_only_whole_past_weeks_are_compared(
    session: Session, settings: Settings, weeks: int
) -> None:
    generate(session)
    report = backtest.backtest(
        session, settings=settings, as_of=AS_OF, weeks=weeks, prior_only=True
    )
    this_week = AS_OF - timedelta(days=AS_OF.weekday())
    assert all(row.week_start < this_week for row in report.detail)
    assert min(row.origin for row in report.detail) == this_week - timedelta(weeks=weeks)


def test_the_cli_prints_both_errors(
    engine: Engine, cli_env: dict[str, str], settings: Settings
) -> None:
    with Session(engine) as session:
        generate(session)
    result = CliRunner().invoke(
        app,
        ["report", "forecast-backtest", "--weeks", "6", "--prior-only", "--as-of", str(AS_OF)],
        terminal_width=120,
    )
    assert result.exit_code == 0, result.output
    assert "Model WAPE" in result.output and "Naive WAPE (due date)" in result.output
    assert "0 used a model trained" in result.output and "6 the documented prior" in result.output
    [row] = [line for line in result.output.splitlines() if "EUR" in line]
    model, naive = (float(cell) for cell in re.findall(r"([\d.]+)%", row))
    assert model < naive


def test_the_forecast_falls_back_to_due_dates_where_the_model_lost(
    session: Session, settings: Settings
) -> None:
    from agent.models.risk import RiskModelRecord
    from agent.services.reporting import expected_cash
    from agent.services.scoring import model_health

    owner = make_user(session)
    due = date(2026, 6, 1)  # a Monday
    make_invoice(
        session,
        client=make_client(session),
        owner=owner,
        issue_date=date(2026, 5, 1),
        due_date=due,
        currency="GBP",
    )
    risk_scoring.score_open(session, settings=settings, as_of=AS_OF)
    by_model = expected_cash.expected_cash(session, as_of=AS_OF, actor=TEST_ACTOR).currencies[0]
    [model_week] = [w.week_start for w in by_model.weeks if w.expected_minor]
    assert model_week > due and by_model.method == "model"
    session.add(
        RiskModelRecord(
            version="v1",
            trained_at=datetime(2026, 5, 1, tzinfo=UTC),
            family="logistic[model,none]+ridge",
            artifact_path="/nonexistent",
            details={"data_through": "2026-04-30"},
        )
    )
    session.flush()
    model_health.record_forecast_methods(session, methods={"GBP": "naive"})
    naive = expected_cash.expected_cash(session, as_of=AS_OF, actor=TEST_ACTOR).currencies[0]
    assert naive.method == "naive"
    assert [w.week_start for w in naive.weeks if w.expected_minor] == [due]


def test_a_currency_the_model_does_not_beat_is_marked_naive() -> None:
    won = backtest.BacktestCurrency(
        currency="EUR", actual_minor=100, model_abs_error_minor=20, naive_abs_error_minor=40
    )
    lost = backtest.BacktestCurrency(
        currency="GBP", actual_minor=100, model_abs_error_minor=60, naive_abs_error_minor=47
    )
    assert (won.forecast_method, lost.forecast_method) == ("model", "naive")
