"""What needed a server and a key, from a terminal: extend, dispute, resolve, promise, note,
pause with an end date, resume, and payment reversal."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from agent.cli.app import app
from agent.services.ledger import history, invoices
from tests.factories import make_client, make_invoice, make_user, pay

runner = CliRunner()
TODAY = date.today()


def _seed(engine: Engine) -> int:
    with Session(engine) as session:
        invoice = make_invoice(
            session,
            client=make_client(session, name="Acme"),
            owner=make_user(session, email="ann@example.com"),
            number="K-1",
            amount_minor=50_000,
            issue_date=TODAY - timedelta(days=40),
            due_date=TODAY - timedelta(days=10),
        )
        payment = pay(session, invoice, amount_minor=20_000, payment_date=TODAY).payment
        session.commit()
        return payment.id


def test_every_invoice_action_from_the_terminal(cli_env: dict[str, str], engine: Engine) -> None:
    payment_id = _seed(engine)
    later = (TODAY + timedelta(days=20)).isoformat()
    commands = [
        ["invoices", "extend", "K-1", "--to", later, "--reason", "agreed"],
        ["invoices", "dispute", "K-1", "--reason", "hours"],
        ["invoices", "resolve", "K-1", "--resolution", "credit note"],
        ["invoices", "promise", "K-1", "--by", later, "--note", "phone"],
        ["invoices", "note", "K-1", "called the client"],
        ["invoices", "pause", "K-1", "--until", later, "--reason", "holiday"],
        ["invoices", "resume", "K-1"],
        ["payments", "reverse", str(payment_id), "--reason", "bounced"],
    ]
    for command in commands:
        result = runner.invoke(app, command)
        assert result.exit_code == 0, (command, result.output)
    assert "500.00 EUR outstanding" in result.output
    with Session(engine) as session:
        invoice = invoices.get_by_number(session, number="K-1")
        kinds = [e.kind for e in history.list_for_invoice(session, invoice_id=invoice.id)]
    assert invoice.due_date.isoformat() == later and not invoice.reminders_paused
    for kind in (
        "due_date_extended",
        "dispute_opened",
        "dispute_resolved",
        "promise_recorded",
        "note_added",
        "reminders_paused",
        "reminders_resumed",
        "payment_reversed",
    ):
        assert kind in kinds
    shown = runner.invoke(app, ["invoices", "show", "K-1"], env={"COLUMNS": "200"})
    assert "REVERSED: bounced" in shown.output


def test_a_bad_date_or_a_future_payment_is_a_clear_error(
    cli_env: dict[str, str], engine: Engine
) -> None:
    _seed(engine)
    bad = runner.invoke(app, ["invoices", "extend", "K-1", "--to", "soon", "--reason", "x"])
    assert bad.exit_code == 2 and "soon" in bad.output
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    future = runner.invoke(app, ["payments", "record", "K-1", "10.00", "--date", tomorrow])
    assert future.exit_code == 2 and "after today" in future.output
