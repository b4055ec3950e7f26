"""``paytrack monitor run`` twice, then ``drafts list/show`` and ``notifications list``."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from agent.cli.app import app
from tests.factories import make_client, make_invoice, make_user

runner = CliRunner()


def test_monitor_run_is_idempotent_and_drafts_are_listed(
    cli_env: dict[str, str], engine: Engine
) -> None:
    with Session(engine) as session:
        client = make_client(session, name="Björk AB", language="sv", timezone="Europe/Stockholm")
        owner = make_user(session, email="ann@example.com")
        make_invoice(session, client=client, owner=owner, number="F-9", due_date=date(2026, 3, 2))
        session.commit()
    first = runner.invoke(app, ["monitor", "run", "--as-of", "2026-03-09", "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["drafts_created"] == 1
    second = runner.invoke(app, ["monitor", "run", "--as-of", "2026-03-09", "--json"])
    assert json.loads(second.output)["drafts_created"] == 0
    assert json.loads(second.output)["skipped"] == {"pending_draft": 1}
    listed = runner.invoke(app, ["drafts", "list", "--owner", "ann@example.com", "--json"])
    rows = json.loads(listed.output)
    assert [(r["invoices"], r["tone"], r["language"]) for r in rows] == [(["F-9"], "formal", "sv")]
    shown = runner.invoke(app, ["drafts", "show", str(rows[0]["id"])])
    assert shown.exit_code == 0, shown.output
    assert "F-9" in shown.output and "overdue_7 milestone sets formal" in shown.output
    notes = runner.invoke(app, ["notifications", "list", "--json"])
    assert {n["kind"] for n in json.loads(notes.output)} == {"newly_overdue", "no_follow_up"}
    missing = runner.invoke(app, ["drafts", "show", "999"])
    assert missing.exit_code == 2 and "no draft with id 999" in missing.output
