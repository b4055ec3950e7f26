"""``paytrack clients`` and client details from imports: every field, with history."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from agent.cli.app import app
from agent.models import Client, ClientEvent

runner = CliRunner()
HEADER = "number,client,email,language,country,amount,currency,issue date,due date\n"


def write(path: Path, *rows: str) -> Path:
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


def client_named(engine: Engine, name: str) -> Client:
    with Session(engine) as session:
        return session.exec(select(Client).where(Client.name == name)).one()


def test_import_sets_language_country_and_zone_and_a_reimport_updates_them(
    cli_env: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    first = write(
        tmp_path / "a.csv", "A-1,Berg AB,ap@berg.example,sv,SE,100.00,SEK,2026-01-01,2026-01-31"
    )
    assert runner.invoke(app, ["import", "invoices", str(first)]).exit_code == 0
    berg = client_named(engine, "Berg AB")
    assert (berg.language, berg.country, berg.timezone) == ("sv", "SE", "Europe/Stockholm")

    again = write(
        tmp_path / "b.csv",
        "A-1,Berg AB,finance@berg.example,en,SE,100.00,SEK,2026-01-01,2026-01-31",
    )
    dry = runner.invoke(app, ["import", "invoices", str(again), "--dry-run"])
    assert "would update client details (1): Berg AB" in dry.output
    assert client_named(engine, "Berg AB").language == "sv"
    result = runner.invoke(app, ["import", "invoices", str(again)])
    assert result.exit_code == 0, result.output
    assert "updated client details (1): Berg AB" in result.output
    berg = client_named(engine, "Berg AB")
    assert (berg.contact_emails, berg.language) == (["finance@berg.example"], "en")
    with Session(engine) as session:
        event = session.exec(select(ClientEvent).where(ClientEvent.client_id == berg.id)).one()
    assert event.actor == "system:import:b.csv"
    assert set(event.data) == {"contact_emails", "language"}


def test_clients_set_changes_any_field_and_show_lists_the_history(
    cli_env: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    source = write(tmp_path / "a.csv", "A-1,Kovac OOD,,,,50.00,EUR,2026-01-01,2026-01-31")
    assert runner.invoke(app, ["import", "invoices", str(source)]).exit_code == 0
    changed = runner.invoke(
        app,
        [
            "clients", "set", "Kovac OOD", "--email", "ap@kovac.example", "--language", "bg",
            "--country", "BG", "--timezone", "Europe/Sofia", "--terms", "14", "--pause",
        ],
    )  # fmt: skip
    assert changed.exit_code == 0, changed.output
    assert "changed contact_emails, country, default_terms_days, language" in changed.output
    shown = runner.invoke(app, ["clients", "show", "Kovac OOD", "--json"])
    data = json.loads(shown.output)
    assert (data["language"], data["timezone"], data["reminders_paused"]) == (
        "bg",
        "Europe/Sofia",
        True,
    )
    assert len(data["history"]) == 1
    same = runner.invoke(app, ["clients", "set", "Kovac OOD", "--language", "bg"])
    assert "nothing changed" in same.output
    bad = runner.invoke(app, ["clients", "set", "Kovac OOD", "--timezone", "Mars/Base"])
    assert bad.exit_code == 2 and "timezone" in bad.output
    listed = runner.invoke(app, ["clients", "list", "--json"])
    assert [c["name"] for c in json.loads(listed.output)] == ["Kovac OOD"]
