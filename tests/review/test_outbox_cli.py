"""``paytrack outbox send`` and ``list`` through typer, on the test database."""

from __future__ import annotations

import typer
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from agent.cli import review
from agent.settings import Settings
from tests.review.helpers import seed_invoices, seed_owner, sweep
from tests.review.test_outbox import approve_all

root = typer.Typer()
review.register(root)
runner = CliRunner()


def test_outbox_send_writes_eml_files_and_says_nothing_left(
    cli_env: dict[str, str], engine: Engine, settings: Settings
) -> None:
    ann = seed_owner(engine, email="ann@example.com")
    seed_invoices(engine, owner_id=ann)
    sweep(engine, settings)
    approve_all(engine, settings, ann)
    sent = runner.invoke(root, ["outbox", "send"], env={"COLUMNS": "200"})
    again = runner.invoke(root, ["outbox", "send"], env={"COLUMNS": "200"})
    listed = runner.invoke(root, ["outbox", "list", "--status", "sent"], env={"COLUMNS": "200"})
    assert sent.exit_code == 0, sent.output
    assert "sent 1 as .eml files" in sent.output and "nothing leaves here" in sent.output
    assert "sent 0" in again.output
    assert len(list((settings.data_dir / "outbox").glob("*.eml"))) == 1
    assert "2026-001" in listed.output and "<draft-" in listed.output
