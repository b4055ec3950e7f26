"""``paytrack risk train|evaluate|score|accounts`` on a generated ledger with known behaviour."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from agent.cli.app import app
from agent.demo.ledger import generate_ledger

runner = CliRunner()
END = date(2026, 10, 31)


def test_too_little_history_is_a_clear_message(cli_env: dict[str, str], engine: Engine) -> None:
    result = runner.invoke(app, ["risk", "train"])
    assert result.exit_code == 2
    assert "prior" in result.output


def test_train_evaluate_score_accounts(cli_env: dict[str, str], engine: Engine) -> None:
    generate_ledger(engine, invoices=1_500, seed=11, end_date=END)
    trained = runner.invoke(app, ["risk", "train", "--json"])
    assert trained.exit_code == 0, trained.output
    version = json.loads(trained.output)["version"]
    evaluated = runner.invoke(app, ["risk", "evaluate", "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    metrics = json.loads(evaluated.output)
    for key in (
        "rows_train",
        "rows_test",
        "auc",
        "pr_auc",
        "brier",
        "mae_days",
        "baseline_auc",
        "baseline_mae_days",
        "interval_coverage",
    ):
        assert key in metrics, key
    assert metrics["rows_train"] > metrics["rows_test"] > 0
    assert 0.5 < metrics["auc"] <= 1.0
    scored = runner.invoke(app, ["risk", "score", "--as-of", END.isoformat(), "--json"])
    assert scored.exit_code == 0, scored.output
    rows = json.loads(scored.output)
    rows = rows["invoices"] if isinstance(rows, dict) else rows
    assert rows and {r["model_version"] for r in rows} == {version}
    assert all(r["band"] in ("low", "medium", "high") and r["reasons"] for r in rows)
    accounts = runner.invoke(app, ["risk", "accounts", "--as-of", END.isoformat(), "--json"])
    assert accounts.exit_code == 0, accounts.output
    assert json.loads(accounts.output)


def test_score_table_shows_the_worst_scores(cli_env: dict[str, str], engine: Engine) -> None:
    generate_ledger(engine, invoices=600, seed=4, end_date=END)
    listed = runner.invoke(app, ["risk", "score", "--as-of", END.isoformat(), "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert len(rows) > 3
    assert [r["p_late"] for r in rows] == sorted((r["p_late"] for r in rows), reverse=True)
    table = runner.invoke(
        app, ["risk", "score", "--as-of", END.isoformat(), "--limit", "3"], env={"COLUMNS": "400"}
    )
    assert table.exit_code == 0, table.output
    shown = [r["number"] for r in rows if r["number"] in table.output]
    assert shown == [r["number"] for r in rows[:3]]
    assert f"{len(rows)} open invoice(s) scored" in table.output
