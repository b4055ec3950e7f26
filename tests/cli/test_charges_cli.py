"""``paytrack rates`` and ``paytrack charges`` against a real database."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from agent.cli.app import app
from tests.factories import make_client, make_invoice

runner = CliRunner()


def test_rates_set_then_charges_show_json(cli_env: dict[str, str], engine: Engine) -> None:
    with Session(engine) as session:
        client = make_client(session, name="Bygg AB", country="SE", currency="SEK")
        make_invoice(
            session,
            client=client,
            number="SE-1",
            currency="SEK",
            amount_minor=1_000_000,
            due_date=date(2026, 6, 30),
        )
        session.commit()
    missing = runner.invoke(app, ["charges", "show", "SE-1", "--as-of", "2026-07-30"])
    assert missing.exit_code == 2
    assert "paytrack rates set --jurisdiction SE --from 2026-07-01" in missing.output
    set_rate = runner.invoke(
        app, ["rates", "set", "--jurisdiction", "SE", "--from", "2026-07-01", "--rate", "2.00"]
    )
    assert set_rate.exit_code == 0, set_rate.output
    assert "statutory 10.00 %" in set_rate.output
    shown = runner.invoke(app, ["charges", "show", "SE-1", "--as-of", "2026-07-30", "--json"])
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.output)
    # 1–30 Jul 2026: 30 days × 10.00 % on 10 000.00 SEK = 82.19 SEK; 450 SEK compensation.
    assert {k: body[k] for k in ("currency", "rate_percent", "days")} == {
        "currency": "SEK",
        "rate_percent": "10.00",
        "days": 30,
    }
    assert (body["interest_minor"], body["compensation_minor"], body["reminder_fee_minor"]) == (
        8_219,
        45_000,
        0,
    )
    listed = json.loads(
        runner.invoke(app, ["rates", "list", "--jurisdiction", "SE", "--json"]).output
    )
    assert listed[-1]["effective_from"] == "2026-07-01"
    assert listed[-1]["origin"].startswith("cli:")


def test_policy_and_bad_input(cli_env: dict[str, str], engine: Engine) -> None:
    with Session(engine) as session:
        make_client(session, name="Acme BV", country="NL")
        session.commit()
    ok = runner.invoke(
        app, ["charges", "policy", "Acme BV", "--late-charges", "claim", "--jurisdiction", "UK"]
    )
    assert ok.exit_code == 0, ok.output
    assert "jurisdiction UK, late charges claim" in ok.output
    bad = runner.invoke(app, ["charges", "policy", "Acme BV", "--late-charges", "always"])
    assert bad.exit_code == 2
    assert "late_charges" in bad.output
    bad_day = runner.invoke(
        app, ["rates", "set", "--jurisdiction", "EU", "--from", "2026-03-01", "--rate", "2"]
    )
    assert bad_day.exit_code == 2
    assert "1 January or 1 July" in bad_day.output
