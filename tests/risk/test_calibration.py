"""Choosing what P(late) to deploy, by time, and measuring how well it is calibrated."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from risk import calibration
from risk.evaluation import calibration_table, expected_calibration_error


def _history_frame(late_share: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"has_history": np.ones(len(late_share)), "hist_late_share": late_share})


class _Scores:
    """A stand-in classifier that returns fixed raw scores (squashed or noise)."""

    def __init__(self, p: np.ndarray) -> None:
        self.p = p

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        p = self.p[features.index.to_numpy()]
        return np.column_stack([1 - p, p])


@pytest.mark.parametrize("rows", [99, 100, 250, 1_000, 5_000])
def test_reliability_table_has_equal_count_bins_of_at_least_100_and_at_most_10(rows: int) -> None:
    rng = np.random.default_rng(1)
    p = rng.random(rows)
    y = (rng.random(rows) < p).astype(int)
    table = calibration_table(y, p)
    assert len(table) == max(1, min(10, rows // 100))
    assert sum(row["rows"] for row in table) == rows
    if rows >= 100:
        assert min(row["rows"] for row in table) >= 100
    assert all(a["high"] <= b["low"] for a, b in itertools.pairwise(table))


def test_ece_is_zero_when_prediction_equals_observation_and_grows_with_the_gap() -> None:
    y = np.array([0] * 150 + [1] * 50)
    exact = np.array([0.0] * 150 + [1.0] * 50)
    assert expected_calibration_error(calibration_table(y, exact)) == 0.0
    shifted = np.clip(exact + 0.2, 0, 1)
    assert expected_calibration_error(calibration_table(y, shifted)) == pytest.approx(0.15)


def test_an_under_confident_model_is_recalibrated_on_the_newest_slice() -> None:
    rng = np.random.default_rng(3)
    n = 2_000
    truth = rng.beta(0.6, 1.4, n)
    y = (rng.random(n) < truth).astype(int)
    squashed = 0.3 + 0.4 * truth  # ranks right, probabilities far too flat
    history = calibration.HistoryBaseline(base_late_share=0.3)
    features = _history_frame(np.full(n, 0.3))
    choice = calibration.choose(_Scores(squashed), history, features, y)
    assert choice.source in ("model", "blend") and choice.method != "none"
    deployed = calibration.deploy(choice, _Scores(squashed), history, features, y)
    p = deployed.predict_proba(features)[:, 1]
    before = expected_calibration_error(calibration_table(y, squashed))
    after = expected_calibration_error(calibration_table(y, p))
    assert before > 0.08 and after < 0.035


def test_the_client_history_baseline_is_deployed_when_the_model_does_not_beat_it() -> None:
    rng = np.random.default_rng(4)
    n = 1_500
    share = rng.choice([0.05, 0.5, 0.9], n)
    y = (rng.random(n) < share).astype(int)
    noise = rng.random(n)  # a model that learned nothing
    choice = calibration.choose(
        _Scores(noise), calibration.HistoryBaseline(0.4), _history_frame(share), y
    )
    assert choice.source == "history"
    assert choice.brier[f"history+{choice.method}"] < choice.brier["model+none"]


def test_shown_probabilities_never_claim_certainty() -> None:
    n = 400
    y = np.array([0] * 200 + [1] * 200)
    certain = np.array([0.0] * 200 + [1.0] * 200)
    history = calibration.HistoryBaseline(0.5)
    features = _history_frame(np.full(n, 0.5))
    choice = calibration.Choice(source="model", method="isotonic", brier={}, auc={})
    p = calibration.deploy(choice, _Scores(certain), history, features, y).predict_proba(features)
    assert p[:, 1].min() >= calibration.SHOWN_FLOOR
    assert p[:, 1].max() <= 1 - calibration.SHOWN_FLOOR
