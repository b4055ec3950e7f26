"""``paytrack demo`` end to end: the real typer app on the test database."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from agent.cli.app import app
from agent.cli.demo import DEMO_PASSWORD
from agent.demo import ledger as demo_ledger
from agent.demo.ledger import LedgerContents
from agent.models.draft import Draft, DraftStatus
from agent.money import format_plain
from agent.services.access import users
from agent.services.reporting import reports
from agent.settings import Settings
from tests.factories import TEST_ACTOR, make_client

runner = CliRunner()
ARGS = ["demo", "--invoices", "300", "--seed", "3", "--end-date", "2026-06-30"]
WIDE = {"COLUMNS": "200"}


def test_demo_writes_a_ledger_and_prints_its_summary(
    cli_env: dict[str, str], engine: Engine, settings: Settings
) -> None:
    result = runner.invoke(app, [*ARGS, "--no-serve"], env=WIDE)

    assert result.exit_code == 0, result.output
    with Session(engine) as session:
        counts = demo_ledger.count_rows(session)
        kpis = reports.currency_kpis(
            session, actor=TEST_ACTOR, as_of=date(2026, 6, 30), settings=settings
        )
    assert counts.invoices == 300
    assert f"{counts.clients:,} clients" in result.output
    assert f"300 invoices · {counts.payments:,} payments" in result.output
    for line in kpis:
        assert line.currency in result.output
        assert format_plain(line.outstanding_minor, line.currency) in result.output
    assert "not built yet" not in result.output


def test_the_demo_fills_the_review_queue_and_prints_the_sign_in_details(
    cli_env: dict[str, str], engine: Engine
) -> None:
    result = runner.invoke(app, [*ARGS, "--no-serve"], env=WIDE)

    assert result.exit_code == 0, result.output
    with Session(engine) as session:
        pending = session.exec(
            select(Draft).where(Draft.status == DraftStatus.PENDING_REVIEW)
        ).all()
        admin = users.find_by_email(session, email="maria.lindqvist@demo.paytrack.example")
        assert admin is not None
        assert users.verify_password(session, user=admin, password=DEMO_PASSWORD)
    assert pending
    assert f"{len(pending)} reminder drafts are waiting for review" in result.output
    assert "maria.lindqvist@demo.paytrack.example" in result.output
    assert f"password for every demo user: {DEMO_PASSWORD}" in result.output
    assert "http://127.0.0.1:8000/" in result.output


def test_running_it_again_replaces_the_demo_ledger(cli_env: dict[str, str], engine: Engine) -> None:
    first = runner.invoke(app, [*ARGS, "--no-serve"], env=WIDE)
    again = runner.invoke(app, [*ARGS, "--no-serve", "--invoices", "120"], env=WIDE)

    assert first.exit_code == again.exit_code == 0, again.output
    assert "Replacing the demo ledger" not in first.output
    assert "Replacing the demo ledger" in again.output
    with Session(engine) as session:
        assert demo_ledger.count_rows(session).invoices == 120
        assert demo_ledger.ledger_contents(session) == LedgerContents.DEMO


def test_it_refuses_a_database_holding_other_data(cli_env: dict[str, str], engine: Engine) -> None:
    with Session(engine) as session:
        make_client(session, name="Real Customer Ltd")
        session.commit()

    result = runner.invoke(app, [*ARGS, "--no-serve"], env=WIDE)

    assert result.exit_code == 2
    assert "the demo did not create" in result.output
    with Session(engine) as session:
        counts = demo_ledger.count_rows(session)
    assert (counts.clients, counts.invoices) == (1, 0)


def test_help_explains_what_a_rerun_does() -> None:
    result = runner.invoke(app, ["demo", "--help"], env=WIDE)

    assert result.exit_code == 0
    text = " ".join(result.output.replace("│", " ").split())
    assert "a previous demo ledger in that database is deleted and replaced" in text
    assert "is refused and left untouched" in text
