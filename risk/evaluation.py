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


def calibration_table(y: np.ndarray, p: np.ndarray, *, bins: int = 5) -> list[dict[str, float]]:
    """Mean predicted vs observed late share per quantile bin of the prediction."""
    edges = np.unique(np.quantile(p, np.linspace(0, 1, bins + 1)))
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, max(len(edges) - 2, 0))
    table = []
    for b in np.unique(which):
        mask = which == b
        table.append(
            {
                "rows": int(mask.sum()),
                "predicted": float(p[mask].mean()),
                "observed": float(y[mask].mean()),
            }
        )
    return table
