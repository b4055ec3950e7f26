"""The payment-date interval: which scaling, and how recent errors weigh under drift."""

from __future__ import annotations

import numpy as np
import pandas as pd

from risk.training import _conformal, _interval


def _clients(spread: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"has_history": np.ones(len(spread)), "hist_std_days_late": spread})


def test_the_interval_follows_the_client_spread_only_when_errors_do() -> None:
    rng = np.random.default_rng(5)
    spread = rng.choice([0.5, 30.0], 2_000)
    x = _clients(spread)
    scale = np.sqrt(spread**2 + 9.0)
    scaling, _ = _interval(rng.normal(0, 1, 2_000) * scale, x, spread=8.0, coverage=0.8)
    assert scaling == "client"
    scaling, (low, high) = _interval(rng.normal(0, 8, 2_000), x, spread=8.0, coverage=0.8)
    assert scaling == "flat"
    assert 18.0 < 8.0 * (high - low) < 23.0  # 2 × 1.28 σ: the same width for everyone


def test_weighted_quantiles_follow_the_newest_errors_when_the_history_drifts() -> None:
    rng = np.random.default_rng(6)
    older, newer = rng.normal(0, 3.0, 600), rng.normal(0, 1.0, 600)
    errors = np.concatenate([older, newer])
    plain = _conformal(errors, 0.8)
    weighted = _conformal(errors, 0.8, half_life=100)
    assert weighted[1] - weighted[0] < 0.7 * (plain[1] - plain[0])
    covered = np.mean((newer >= weighted[0]) & (newer <= weighted[1]))
    assert abs(covered - 0.8) < 0.06
