"""The documented prior used when no trained model exists: it always says it is a prior.

With client history: P(late) is the client's late share shrunk toward the terms base rate
with the weight of ``PRIOR_WEIGHT`` invoices, days late is their mean, the interval their
mean ± 1.5 × spread (at least ±7 days). Without: the terms base rate below, 7 days late,
and an interval from 5 days early to 30 days late.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PRIOR_VERSION = "prior"
PRIOR_WEIGHT = 2.0
# Share of invoices paid late by payment terms (days), from published B2B payment surveys.
TERMS_BASE_RATES = ((14, 0.30), (30, 0.40), (60, 0.50))
TERMS_BASE_RATE_LONGER = 0.55
NEW_CLIENT_DAYS_LATE = 7.0
NEW_CLIENT_INTERVAL = (-5.0, 30.0)


def terms_base_rate(terms_days: np.ndarray) -> np.ndarray:
    rate = np.full(len(terms_days), TERMS_BASE_RATE_LONGER)
    for limit, share in reversed(TERMS_BASE_RATES):
        rate = np.where(terms_days <= limit, share, rate)
    return rate


def predict(features: pd.DataFrame) -> pd.DataFrame:
    """``p_late``, ``days_late``, ``low``, ``high`` from history alone (see module docstring)."""
    base = terms_base_rate(features["terms_days"].to_numpy())
    count = features["history_count"].to_numpy()
    late = features["history_late_count"].to_numpy()
    has = count > 0
    mean = features["hist_mean_days_late"].to_numpy()
    half = np.maximum(7.0, 1.5 * features["hist_std_days_late"].to_numpy())
    return pd.DataFrame(
        {
            "p_late": (late + PRIOR_WEIGHT * base) / (count + PRIOR_WEIGHT),
            "days_late": np.where(has, mean, NEW_CLIENT_DAYS_LATE),
            "low": np.where(has, mean - half, NEW_CLIENT_INTERVAL[0]),
            "high": np.where(has, mean + half, NEW_CLIENT_INTERVAL[1]),
        }
    )
