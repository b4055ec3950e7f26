"""Scores for open invoices: P(late), expected payment date with interval, band and reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from risk import prior, reasons
from risk.model import RiskModel, thread_limit


def bands(p: np.ndarray, *, medium: float, high: float) -> np.ndarray:
    return np.where(p >= high, "high", np.where(p >= medium, "medium", "low"))


def score(
    model: RiskModel | None,
    features: pd.DataFrame,
    *,
    due_days: np.ndarray,
    as_of_days: np.ndarray,
    grace_days: int,
    medium: float,
    high: float,
    explain: bool = True,
    current_due_days: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per feature row; day columns are day numbers. ``model=None`` uses the prior.

    ``due_days`` is each invoice's original due day (what days late are counted from);
    ``current_due_days`` the due day after any extension, which "days past due" in the reasons
    counts from, as every other page does (defaults to ``due_days``). An
    invoice already past due plus grace on ``as_of`` is late by definition: P(late) is 1. A
    predicted date already behind us moves to ``as_of``. ``current_due_days`` (the due day after
    any extension, default ``due_days``) is what the "days past due" reason counts from, as
    every page and reminder does.
    """
    with threadpool_limits(limits=thread_limit(len(features))):
        return _score(
            model,
            features,
            due_days=due_days,
            as_of_days=as_of_days,
            grace_days=grace_days,
            medium=medium,
            high=high,
            explain=explain,
            current_due_days=due_days if current_due_days is None else current_due_days,
        )


def _score(
    model: RiskModel | None,
    features: pd.DataFrame,
    *,
    due_days: np.ndarray,
    as_of_days: np.ndarray,
    grace_days: int,
    medium: float,
    high: float,
    explain: bool,
    current_due_days: np.ndarray,
) -> pd.DataFrame:
    if model is None:
        raw = prior.predict(features)
        p_raw = raw["p_late"].to_numpy()
        version = prior.PRIOR_VERSION
    else:
        p_raw = model.predict_late(features)
        raw = model.predict_days_late(features)
        version = model.version
    p = np.where(as_of_days > due_days + grace_days, 1.0, p_raw)
    expected = np.maximum(due_days + np.round(raw["days_late"].to_numpy()), as_of_days)
    low = np.maximum(due_days + np.floor(raw["low"].to_numpy()), as_of_days)
    high_day = np.maximum(due_days + np.ceil(raw["high"].to_numpy()), expected)
    frame = pd.DataFrame(
        {
            "p_late": p,
            "expected_day": expected.astype(np.int64),
            "low_day": np.minimum(low, expected).astype(np.int64),
            "high_day": high_day.astype(np.int64),
            "band": bands(p, medium=medium, high=high),
            "model_version": version,
        },
        index=features.index,
    )
    if explain:
        if model is None:
            frame["reasons"] = reasons.prior_reasons(features)
        else:
            group_effects = reasons.effects(model, features)
            frame["reasons"] = reasons.top_reasons(features, group_effects)
        overdue = as_of_days - current_due_days
        frame["reasons"] = [
            ([f"already {d} {'day' if d == 1 else 'days'} past due", *r])[:3] if d > 0 else r
            for d, r in zip(overdue, frame["reasons"], strict=True)
        ]
    return frame
