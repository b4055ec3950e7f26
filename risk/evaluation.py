"""Metrics for P(late) and the payment-date prediction, and the baselines to beat."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


def classification_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float | None]:
    """ROC AUC, PR AUC and Brier score; AUCs are None when only one outcome is present."""
    both = len(np.unique(y)) == 2
    return {
        "auc": float(roc_auc_score(y, p)) if both else None,
        "pr_auc": float(average_precision_score(y, p)) if both else None,
        "brier": float(brier_score_loss(y, np.clip(p, 0, 1))),
    }


def interval_metrics(
    y_days: np.ndarray, point: np.ndarray, low: np.ndarray, high: np.ndarray
) -> dict[str, float]:
    return {
        "mae_days": float(np.mean(np.abs(y_days - point))),
        "interval_coverage": float(np.mean((y_days >= low) & (y_days <= high))),
        "interval_mean_width_days": float(np.mean(high - low)),
    }


def history_baseline(
    features: pd.DataFrame, *, base_late_share: float, base_days_late: float
) -> tuple[np.ndarray, np.ndarray]:
    """The client's own late share and mean days late so far (population figures when new)."""
    has = features["has_history"].to_numpy() > 0
    p = np.where(has, features["hist_late_share"].to_numpy(), base_late_share)
    days = np.where(has, features["hist_mean_days_late"].to_numpy(), base_days_late)
    return p, days


MIN_BIN_ROWS = 100
MAX_BINS = 10


def calibration_table(
    y: np.ndarray, p: np.ndarray, *, min_rows: int = MIN_BIN_ROWS, max_bins: int = MAX_BINS
) -> list[dict[str, float]]:
    """Reliability table: equal-count bins of the prediction, each of at least ``min_rows``.

    As many bins as the rows allow (at most ``max_bins``, at least one); each row gives the bin's
    probability range, mean prediction and observed late share.
    """
    n = len(p)
    bins = max(1, min(max_bins, n // min_rows))
    order = np.argsort(p, kind="stable")
    table = []
    for part in np.array_split(order, bins):
        if len(part) == 0:
            continue
        table.append(
            {
                "rows": len(part),
                "low": float(p[part].min()),
                "high": float(p[part].max()),
                "predicted": float(p[part].mean()),
                "observed": float(y[part].mean()),
            }
        )
    return table


def expected_calibration_error(table: list[dict[str, float]]) -> float:
    """Row-weighted mean gap between predicted and observed late share over the table's bins."""
    total = sum(row["rows"] for row in table)
    if total == 0:
        return 0.0
    gaps = sum(row["rows"] * abs(row["predicted"] - row["observed"]) for row in table)
    return float(gaps / total)
