"""The ledger commands end to end: a real database, the real typer app."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from agent.cli.app import app
from agent.services.ledger import invoices
from tests.factories import make_client, make_invoice, make_user

runner = CliRunner()


def seed(engine: Engine) -> None:
    with Session(engine) as session:
        client = make_client(session, name="Acme <b>BV</b>")
        owner = make_user(session, name="Ann", email="ann@example.com")
        make_invoice(
            session,
            client=client,
            owner=owner,
            number="A-1",
            amount_minor=123_450,
            due_date=date(2026, 1, 31),
        )
        make_invoice(session, client=client, owner=owner, number="A-2", due_date=date(2026, 12, 31))
        session.commit()


def test_record_payment_then_show_history(cli_env: dict[str, str], engine: Engine) -> None:
    seed(engine)
    result = runner.invoke(
        app, ["payments", "record", "A-1", "234.50", "--date", "2026-02-02", "--reference", "x"]
    )
    assert result.exit_code == 0, result.output
    assert "1000.00 EUR still outstanding on A-1" in result.output
    shown = runner.invoke(app, ["invoices", "show", "A-1", "--as-of", "2026-02-10"])
    assert shown.exit_code == 0, shown.output
    assert "overdue 10 days · partially paid" in shown.output
    assert "payment_recorded" in shown.output
    assert "Acme <b>BV</b>" in shown.output


def test_overpayment_exits_with_clear_error_and_stores_nothing(
    cli_env: dict[str, str], engine: Engine
) -> None:
    seed(engine)
    result = runner.invoke(app, ["payments", "record", "A-1", "5000", "--date", "2026-02-02"])
    assert result.exit_code == 2
    assert "exceeds the outstanding 1234.50 EUR" in result.output
    with Session(engine) as session:
        invoice = invoices.get_by_number(session, number="A-1")
        assert invoices.paid_minor(session, invoice_id=invoice.id) == 0


def test_unknown_invoice_and_bad_amount_name_the_input(
    cli_env: dict[str, str], engine: Engine
) -> None:
    seed(engine)
    missing = runner.invoke(app, ["payments", "record", "NOPE", "10"])
    assert missing.exit_code == 2 and "no invoice numbered 'NOPE'" in missing.output
    bad = runner.invoke(app, ["payments", "record", "A-1", "ten"])
    assert bad.exit_code == 2 and "'ten' is not a number" in bad.output
    precise = runner.invoke(app, ["payments", "record", "A-1", "1.005"])
    assert precise.exit_code == 2 and "more decimals than EUR allows" in precise.output


def test_list_overdue_as_json(cli_env: dict[str, str], engine: Engine) -> None:
    seed(engine)
    result = runner.invoke(
        app, ["invoices", "list", "--overdue", "--as-of", "2026-03-01", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["number"], r["days_overdue"], r["outstanding_minor"]) for r in rows] == [
        ("A-1", 29, 123_450)
    ]


def test_list_filters_by_status_and_owner(cli_env: dict[str, str], engine: Engine) -> None:
    seed(engine)
    result = runner.invoke(
        app,
        [
            "invoices",
            "list",
            "--status",
            "not_yet_due",
            "--owner",
            "ann@example.com",
            "--as-of",
            "2026-03-01",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert [r["number"] for r in json.loads(result.output)] == ["A-2"]
    unknown = runner.invoke(app, ["invoices", "list", "--owner", "zed@example.com"])
    assert unknown.exit_code == 2 and "no user matches owner" in unknown.output
