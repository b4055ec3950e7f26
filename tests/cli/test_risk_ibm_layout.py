"""The risk model end to end on a history in the IBM accounts-receivable layout, as a user runs
it: ``paytrack import invoices --map …``, ``risk train``, ``risk evaluate --json``.

The history is generated (``tests/risk/ibm_like.py``: the real data set's shape, including a
drift toward paying on time), so the bounds are those the issue sets for the real one, with
room for a generated sample's noise where noted.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from agent.cli.app import app
from tests.cli.test_import_cli import IBM_MAP
from tests.risk.ibm_like import write

runner = CliRunner()


def test_ibm_layout_history_trains_a_calibrated_model_with_honest_intervals(
    cli_env: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    history = write(tmp_path / "ibm.csv")
    imported = runner.invoke(app, ["import", "invoices", str(history), *IBM_MAP])
    assert imported.exit_code == 0, imported.output
    trained = runner.invoke(app, ["risk", "train"])
    assert trained.exit_code == 0, trained.output
    evaluated = runner.invoke(app, ["risk", "evaluate", "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    m = json.loads(evaluated.output)
    assert 0.88 <= m["auc"] <= 0.96
    assert m["auc"] > m["baseline_auc"] and m["brier"] < m["baseline_brier"]
    assert m["mae_days"] < m["baseline_mae_days"]
    assert abs(m["interval_coverage"] - 0.80) <= 0.05  # the 3 points, plus sample noise
    bins = m["calibration"]
    assert 1 <= len(bins) <= 10 and all(b["rows"] >= 100 for b in bins)
    assert m["ece"] <= 0.05
    assert m["family"] == m["measured"]["model"]
    text = " ".join(runner.invoke(app, ["risk", "evaluate"], terminal_width=200).output.split())
    assert "expected calibration error" in text
    assert m["family"] in text
