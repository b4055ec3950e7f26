"""``paytrack aging`` and ``paytrack kpis`` against a real database."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from agent.cli.app import app
from tests.factories import make_client, make_invoice, make_user, pay

runner = CliRunner()


def _seed(engine: Engine) -> None:
    with Session(engine) as session:
        owner = make_user(session)
        alpha = make_client(session, name="Alpha Works")
        gamma = make_client(session, name="Gamma Corp", currency="USD")
        make_invoice(
            session,
            client=alpha,
            owner=owner,
            amount_minor=123_450,
            issue_date=date(2026, 1, 10),
            due_date=date(2026, 2, 9),
        )
        partly = make_invoice(
            session,
            client=alpha,
            owner=owner,
            amount_minor=20_000,
            issue_date=date(2026, 4, 1),
            due_date=date(2026, 5, 1),
        )
        pay(session, partly, amount_minor=5_000, payment_date=date(2026, 4, 15))
        settled = make_invoice(
            session,
            client=gamma,
            owner=owner,
            amount_minor=4_000,
            issue_date=date(2026, 3, 1),
            due_date=date(2026, 3, 31),
        )
        pay(session, settled, payment_date=date(2026, 4, 10))
        make_invoice(
            session,
            client=gamma,
            owner=owner,
            amount_minor=9_900,
            issue_date=date(2026, 4, 20),
            due_date=date(2026, 4, 25),
        )
        session.commit()


def test_aging_json_is_one_object_in_minor_units(engine: Engine, cli_env: dict[str, str]) -> None:
    _seed(engine)
    result = runner.invoke(app, ["aging", "--as-of", "2026-04-30", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["as_of"] == "2026-04-30"
    eur, usd = data["currencies"]
    assert eur["total"]["currency"] == "EUR"
    assert eur["total"]["outstanding_minor"] == 123_450 + 15_000
    assert eur["total"]["buckets"]["61-90"] == {"outstanding_minor": 123_450, "count": 1}
    assert eur["clients"][0]["client_name"] == "Alpha Works"
    assert (usd["currency"], usd["total"]["outstanding_minor"]) == ("USD", 9_900)
    assert usd["total"]["buckets"]["1-30"]["count"] == 1


def test_aging_table_shows_amounts_per_currency(engine: Engine, cli_env: dict[str, str]) -> None:
    _seed(engine)
    result = runner.invoke(app, ["aging", "--as-of", "2026-04-30"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Aging as of 2026-04-30 — EUR" in result.output
    assert "Alpha Works" in result.output
    assert "1384.50 EUR" in result.output  # the EUR total
    assert "99.00 USD" in result.output


def test_kpis_json_and_table(engine: Engine, cli_env: dict[str, str]) -> None:
    _seed(engine)
    result = runner.invoke(app, ["kpis", "--as-of", "2026-04-30", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    eur, usd = data["currencies"]
    assert (eur["currency"], eur["outstanding_minor"], eur["overdue_minor"]) == (
        "EUR",
        138_450,
        123_450,
    )
    assert eur["credit_sales_minor"] == 20_000  # issued in (2026-01-30, 2026-04-30]
    assert eur["dso_days"] == 138_450 / 20_000 * 90
    assert (usd["settled_count"], usd["average_days_to_pay"], usd["paid_late_share"]) == (
        1,
        40.0,
        1.0,
    )
    assert data["late_payers"] == []

    table = runner.invoke(app, ["kpis", "--as-of", "2026-04-30"], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "KPIs as of 2026-04-30" in table.output
    assert "1384.50 EUR" in table.output
    assert "100.0%" in table.output  # USD paid late share


def test_empty_ledger_says_so(engine: Engine, cli_env: dict[str, str]) -> None:
    result = runner.invoke(app, ["aging", "--as-of", "2026-04-30"])
    assert result.exit_code == 0, result.output
    assert "Nothing outstanding as of 2026-04-30" in result.output


def test_bad_date_is_refused(cli_env: dict[str, str]) -> None:
    result = runner.invoke(app, ["kpis", "--as-of", "30/04/2026"])
    assert result.exit_code == 2
