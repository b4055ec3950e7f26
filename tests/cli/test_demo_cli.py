"""``paytrack demo`` end to end: the real typer app on the test database."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from agent.cli.app import app
from agent.money import format_plain
from agent.services import demo_ledger, reports
from agent.services.demo_ledger import LedgerContents
from agent.settings import Settings
from tests.factories import make_client

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
        kpis = reports.currency_kpis(session, as_of=date(2026, 6, 30), settings=settings)
    assert counts.invoices == 300
    assert f"{counts.clients:,} clients" in result.output
    assert f"300 invoices · {counts.payments:,} payments" in result.output
    for line in kpis:
        assert line.currency in result.output
        assert format_plain(line.outstanding_minor, line.currency) in result.output
    assert "not built yet" not in result.output


def test_without_no_serve_it_says_the_pages_are_not_built_yet(cli_env: dict[str, str]) -> None:
    result = runner.invoke(app, ARGS, env=WIDE)

    assert result.exit_code == 0, result.output
    assert "review queue pages are not built yet" in result.output


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
