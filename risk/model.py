"""The fitted risk model: calibrated P(late) plus days late with a conformal interval."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from risk.features import FEATURES, NUMERIC_FEATURES

SMALL_BATCH = 50_000


@dataclass
class RiskModel:
    """Everything needed to score: both estimators, the conformal offsets and a reference row.

    ``interval`` holds split-conformal lower and upper quantiles of residuals divided by
    :func:`interval_scale`: with ``interval_scaling`` ``"client"`` a steady payer gets a narrow
    interval and an erratic one a wide one, with ``"flat"`` every invoice gets the same width
    (whichever was narrower on the validation slice); ``population_spread`` is the scale for
    clients without history (and for everyone when flat); ``reference`` is the median training
    row, used to explain a score by swapping feature groups back to typical values.
    """

    version: str
    classifier: BaseEstimator
    regressor: BaseEstimator
    interval: tuple[float, float]
    reference: dict[str, float]
    population_spread: float = 10.0
    interval_scaling: str = "client"
    metadata: dict[str, Any] = field(default_factory=dict)
    features: list[str] = field(default_factory=lambda: list(FEATURES))

    def predict_late(self, features: pd.DataFrame) -> np.ndarray:
        return self.classifier.predict_proba(features[self.features])[:, 1]

    def predict_raw(self, features: pd.DataFrame) -> np.ndarray:
        """The score before calibration: monotone in P(late), smooth enough to explain it."""
        raw = getattr(self.classifier, "raw", None)
        if raw is None:
            return self.predict_late(features)
        return np.asarray(raw(features[self.features]), dtype=np.float64)

    def predict_days_late(self, features: pd.DataFrame) -> pd.DataFrame:
        """Point estimate and interval of days paid after the original due date."""
        point = self.regressor.predict(features[self.features])
        low, high = self.interval
        scale = interval_scale(
            features, population_spread=self.population_spread, scaling=self.interval_scaling
        )
        return pd.DataFrame(
            {"days_late": point, "low": point + low * scale, "high": point + high * scale}
        )


INTERVAL_SCALINGS = ("client", "flat")


def interval_scale(
    features: pd.DataFrame, *, population_spread: float, scaling: str = "client"
) -> np.ndarray:
    """How erratic the client has been: spread of days late (floor 3), else everyone's spread;
    everyone's spread for every invoice when ``scaling`` is ``"flat"``."""
    if scaling == "flat":
        return np.full(len(features), population_spread)
    spread = np.sqrt(features["hist_std_days_late"].to_numpy() ** 2 + 9.0)
    return np.where(features["has_history"].to_numpy() > 0, spread, population_spread)


def thread_limit(rows: int) -> int | None:
    """One thread for small batches: OpenMP start-up and contention cost more than they save."""
    return 1 if rows < SMALL_BATCH else None


def reference_row(features: pd.DataFrame) -> dict[str, float]:
    return {name: float(np.median(features[name].to_numpy())) for name in NUMERIC_FEATURES}
