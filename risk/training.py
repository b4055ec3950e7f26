"""Fitting: model family chosen on a validation slice, calibration, split-conformal intervals.

The settled history is ordered by issue date. ``train_and_evaluate`` holds out the newest
share as a test set, fits on the rest and measures model and baselines on the test set, then
refits the chosen families on everything for the model that is deployed.

Within any fit the newest 20 % of its rows are a validation slice, never shuffled: both
families are fitted on the older 80 % and the one with the better validation AUC (classifier)
or MAE (regressor) wins. What P(late) is deployed, the model, the client-history baseline or
their blend, and with which calibration (none, sigmoid, isotonic), is chosen and fitted on the
validation slice by ``risk.calibration``. The regressor is refitted on all rows; its interval
comes from recency-weighted split-conformal quantiles of expanding-window errors on the
validation slice, divided by the client's own spread (``interval_scale``, so a steady payer
gets a narrow interval) or flat, whichever scores better on the slice. The coverage measured on
the test period is reported with every model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import mean_absolute_error, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from risk import calibration
from risk.evaluation import (
    calibration_table,
    classification_metrics,
    expected_calibration_error,
    history_baseline,
    interval_metrics,
)
from risk.features import CATEGORICAL_FEATURES, FEATURES, NUMERIC_FEATURES, build_features
from risk.labels import labels, settled_rows
from risk.ledger import Ledger, to_dates
from risk.model import (
    INTERVAL_SCALINGS,
    RiskModel,
    interval_scale,
    reference_row,
    thread_limit,
)

VALIDATION_SHARE = 0.2
CONFORMAL_FOLDS = 4
CONFORMAL_HALF_LIFE_SHARE: float | None = 0.5
INVOICE_ONLY_FEATURES = ["log_amount", "terms_days"]


class TooLittleHistory(ValueError):
    """Not enough settled invoices, or only one outcome, to fit and evaluate a model."""


@dataclass(frozen=True)
class TrainingOutcome:
    model: RiskModel
    metrics: dict[str, Any]


def _prep(numeric: list[str], categorical: list[str]) -> ColumnTransformer:
    parts: list[tuple[str, Any, list[str]]] = [("num", StandardScaler(), numeric)]
    if categorical:
        encoder = OneHotEncoder(handle_unknown="ignore", max_categories=8, sparse_output=False)
        parts.append(("cat", encoder, categorical))
    return ColumnTransformer(parts)


def classifier_candidates(seed: int) -> dict[str, BaseEstimator]:
    boosted = HistGradientBoostingClassifier(
        max_iter=200,
        learning_rate=0.06,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=seed,
    )
    prep = _prep(NUMERIC_FEATURES, CATEGORICAL_FEATURES)
    return {
        "logistic": Pipeline([("prep", prep), ("fit", LogisticRegression(C=0.5, max_iter=2000))]),
        "gradient_boosting": Pipeline([("prep", clone(prep)), ("fit", boosted)]),
    }


def regressor_candidates(seed: int) -> dict[str, BaseEstimator]:
    boosted = HistGradientBoostingRegressor(
        loss="absolute_error",
        max_iter=200,
        learning_rate=0.06,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=seed,
    )
    prep = _prep(NUMERIC_FEATURES, CATEGORICAL_FEATURES)
    return {
        "ridge": Pipeline([("prep", prep), ("fit", Ridge(alpha=3.0))]),
        "gradient_boosting": Pipeline([("prep", clone(prep)), ("fit", boosted)]),
    }


def _split(n: int, share: float) -> int:
    return max(1, min(n - 1, round(n * (1 - share))))


def _conformal(
    residuals: np.ndarray, coverage: float, *, half_life: float | None = None
) -> tuple[float, float]:
    """Lower/upper residual quantiles so that [point+lo, point+hi] covers ``coverage``.

    ``residuals`` are in time order. With ``half_life`` (in rows) each residual weighs half as
    much as one ``half_life`` rows newer (weighted split-conformal for a drifting history, Barber
    et al. 2023); the point to be predicted weighs as much as the newest residual.
    """
    n = len(residuals)
    tail = (1 - coverage) / 2
    if half_life is None:
        rank_hi = min(n, math.ceil((n + 1) * (1 - tail)))
        rank_lo = max(1, math.floor((n + 1) * tail))
        ordered = np.sort(residuals)
        return float(ordered[rank_lo - 1]), float(ordered[rank_hi - 1])
    weights = 0.5 ** ((n - 1 - np.arange(n)) / half_life)
    order = np.argsort(residuals, kind="stable")
    cumulative = np.cumsum(weights[order]) / (weights.sum() + 1.0)
    hi = min(n - 1, int(np.searchsorted(cumulative, 1 - tail)))
    lo = max(0, int(np.searchsorted(cumulative, tail, side="right")) - 1)
    return float(residuals[order][lo]), float(residuals[order][hi])


def _half_life(rows: int) -> float | None:
    share = CONFORMAL_HALF_LIFE_SHARE
    return None if share is None else max(1.0, share * rows)


def _rolling_errors(
    candidate: BaseEstimator,
    features: pd.DataFrame,
    target: pd.DataFrame,
    *,
    cut: int,
    folds: int = CONFORMAL_FOLDS,
) -> np.ndarray:
    """Errors on the validation slice (rows from ``cut``), each chunk predicted by a regressor
    fitted on every row before it: an expanding window, as the deployed model is refitted on
    everything. One regressor fitted on the older 80 % alone is trained on less and older data
    than the one that scores, so the quantiles of its errors make the interval too wide.
    """
    found = []
    for chunk in np.array_split(np.arange(cut, len(features)), folds):
        if len(chunk) == 0:
            continue
        start = int(chunk[0])
        regressor = clone(candidate).fit(
            features[FEATURES].iloc[:start], target["days_late"].iloc[:start]
        )
        predicted = regressor.predict(features[FEATURES].iloc[chunk])
        found.append(target["days_late"].to_numpy()[chunk] - predicted)
    return np.concatenate(found)


def _interval(
    errors: np.ndarray, x_val: pd.DataFrame, *, spread: float, coverage: float
) -> tuple[str, tuple[float, float]]:
    """The scaling (client spread or flat) with the better interval score on the slice, with
    its quantiles. Both cover ``coverage`` by construction; the interval score (width plus
    2/α times each miss, Gneiting & Raftery 2007) prefers the narrower interval only when it
    does not buy its width by missing the erratic clients by more."""
    half_life = _half_life(len(errors))
    alpha = 1 - coverage
    best: tuple[float, str, tuple[float, float]] | None = None
    for scaling in INTERVAL_SCALINGS:
        scale = interval_scale(x_val, population_spread=spread, scaling=scaling)
        low, high = _conformal(errors / scale, coverage, half_life=half_life)
        lo, hi = low * scale, high * scale
        miss = np.maximum(lo - errors, 0) + np.maximum(errors - hi, 0)
        score = float(np.mean(hi - lo + 2 / alpha * miss))
        if best is None or score < best[0]:
            best = (score, scaling, (low, high))
    assert best is not None
    return best[1], best[2]


def fit(
    features: pd.DataFrame,
    target: pd.DataFrame,
    *,
    version: str,
    coverage: float,
    seed: int = 7,
) -> RiskModel:
    """Fit on the older rows, then choose and calibrate on the newest slice (module docstring)."""
    cut = _split(len(features), VALIDATION_SHARE)
    x_fit, x_val = features.iloc[:cut], features.iloc[cut:]
    y_fit, y_val = target.iloc[:cut], target.iloc[cut:]
    if len(np.unique(y_fit["late"])) < 2 or len(np.unique(y_val["late"])) < 2:
        raise TooLittleHistory("both on-time and late payments are needed in every period")
    classifiers: dict[str, BaseEstimator] = {}
    clf_scores: dict[str, float] = {}
    for name, candidate in classifier_candidates(seed).items():
        classifiers[name] = clone(candidate).fit(x_fit[FEATURES], y_fit["late"])
        p_val = classifiers[name].predict_proba(x_val[FEATURES])[:, 1]
        clf_scores[name] = float(roc_auc_score(y_val["late"], p_val))
    clf_name = max(clf_scores, key=lambda k: clf_scores[k])
    history = calibration.HistoryBaseline(base_late_share=float(y_fit["late"].mean()))
    late_val = y_val["late"].to_numpy()
    choice = calibration.choose(classifiers[clf_name], history, x_val, late_val)
    classifier = calibration.deploy(choice, classifiers[clf_name], history, x_val, late_val)
    reg_scores: dict[str, float] = {}
    regressors: dict[str, BaseEstimator] = {}
    for name, candidate in regressor_candidates(seed).items():
        regressors[name] = clone(candidate).fit(x_fit[FEATURES], y_fit["days_late"])
        reg_scores[name] = float(
            mean_absolute_error(y_val["days_late"], regressors[name].predict(x_val[FEATURES]))
        )
    reg_name = min(reg_scores, key=lambda k: reg_scores[k])
    spread = float(target["days_late"].std()) or 1.0
    errors = _rolling_errors(regressor_candidates(seed)[reg_name], features, target, cut=cut)
    scaling, interval = _interval(errors, x_val, spread=spread, coverage=coverage)
    regressor = clone(regressor_candidates(seed)[reg_name]).fit(
        features[FEATURES], target["days_late"]
    )
    return RiskModel(
        version=version,
        classifier=classifier,
        regressor=regressor,
        interval=interval,
        population_spread=spread,
        interval_scaling=scaling,
        reference=reference_row(features),
        metadata={
            "classifier_family": clf_name,
            "classifier_source": choice.source,
            "regressor_family": reg_name,
            "calibration": choice.method,
            "interval_scaling": scaling,
            "validation_auc": clf_scores,
            "validation_mae_days": reg_scores,
            "selection_brier": choice.brier,
            "selection_auc": choice.auc,
        },
    )


def family_label(metadata: dict[str, Any]) -> str:
    """What scores, in one name: ``logistic[blend,sigmoid]+ridge`` = classifier family, the
    deployed probability source (model, history baseline or blend) and its calibration, then
    the regressor family."""
    source = metadata.get("classifier_source", "model")
    calibrated = metadata.get("calibration", "none")
    return f"{metadata['classifier_family']}[{source},{calibrated}]+{metadata['regressor_family']}"


def training_frame(ledger: Ledger, *, grace_days: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features at issue and labels for every settled invoice, oldest issue first."""
    rows = settled_rows(ledger)
    issue_days = ledger.invoices["issue_day"].to_numpy()[rows]
    features = build_features(ledger, rows=rows, as_of_days=issue_days, grace_days=grace_days)
    features["row"] = rows
    return features, labels(ledger, rows, grace_days=grace_days)


def train_and_evaluate(
    ledger: Ledger,
    *,
    version: str,
    grace_days: int,
    min_rows: int,
    test_share: float,
    coverage: float,
    seed: int = 7,
) -> TrainingOutcome:
    """Evaluate on the newest ``test_share`` against the baselines, then fit on everything."""
    features, target = training_frame(ledger, grace_days=grace_days)
    with threadpool_limits(limits=thread_limit(len(features))):
        return _train_and_evaluate(
            ledger,
            features,
            target,
            version=version,
            min_rows=min_rows,
            test_share=test_share,
            coverage=coverage,
            grace_days=grace_days,
            seed=seed,
        )


def _train_and_evaluate(
    ledger: Ledger,
    features: pd.DataFrame,
    target: pd.DataFrame,
    *,
    version: str,
    grace_days: int,
    min_rows: int,
    test_share: float,
    coverage: float,
    seed: int,
) -> TrainingOutcome:
    if len(features) < min_rows:
        raise TooLittleHistory(
            f"only {len(features)} settled invoices; at least {min_rows} are needed to train"
        )
    cut = _split(len(features), test_share)
    train_x, test_x = features.iloc[:cut], features.iloc[cut:]
    train_y, test_y = target.iloc[:cut], target.iloc[cut:]
    if len(np.unique(test_y["late"])) < 2:
        raise TooLittleHistory("the newest invoices are all on time or all late; cannot evaluate")
    held = fit(train_x, train_y, version=version, coverage=coverage, seed=seed)
    metrics = _test_metrics(held, train_x, train_y, test_x, test_y, seed=seed)
    deployed = fit(features, target, version=version, coverage=coverage, seed=seed)
    inv = ledger.invoices
    deployed.metadata.update(
        {
            "version": version,
            "rows_total": len(features),
            "rows_train": len(train_x),
            "rows_test": len(test_x),
            "grace_days": grace_days,
            "nominal_coverage": coverage,
            "features": list(FEATURES),
            "clients": int(inv["client_id"].nunique()),
            "data_through": str(to_dates(np.array([target["settled_day"].max()]))[0]),
            "test_from": str(to_dates(inv["issue_day"].to_numpy()[[test_x["row"].iloc[0]]])[0]),
            "base_late_share": float(target["late"].mean()),
            "base_days_late": float(target["days_late"].mean()),
            "metrics": metrics,
            "evaluated_families": {
                "classifier": held.metadata["classifier_family"],
                "regressor": held.metadata["regressor_family"],
                "source": held.metadata["classifier_source"],
                "calibration": held.metadata["calibration"],
                "interval_scaling": held.metadata["interval_scaling"],
                "selection_brier": held.metadata["selection_brier"],
                "validation_auc": held.metadata["validation_auc"],
                "validation_mae_days": held.metadata["validation_mae_days"],
            },
        }
    )
    return TrainingOutcome(model=deployed, metrics=metrics)


def _test_metrics(
    model: RiskModel,
    train_x: pd.DataFrame,
    train_y: pd.DataFrame,
    test_x: pd.DataFrame,
    test_y: pd.DataFrame,
    *,
    seed: int,
) -> dict[str, Any]:
    y = test_y["late"].to_numpy()
    days = test_y["days_late"].to_numpy()
    p = model.predict_late(test_x)
    pred = model.predict_days_late(test_x)
    result: dict[str, Any] = {"rows_train": len(train_x), "rows_test": len(test_x)}
    result.update(classification_metrics(y, p))
    table = calibration_table(y, p)
    result.update(interval_metrics(days, pred["days_late"], pred["low"], pred["high"]))
    base_p, base_days = history_baseline(
        test_x,
        base_late_share=float(train_y["late"].mean()),
        base_days_late=float(train_y["days_late"].mean()),
    )
    history = classification_metrics(y, base_p)
    result.update(
        {
            "baseline_auc": history["auc"],
            "baseline_pr_auc": history["pr_auc"],
            "baseline_brier": history["brier"],
            "baseline_mae_days": float(np.mean(np.abs(days - base_days))),
        }
    )
    plain = Pipeline(
        [
            ("prep", _prep(INVOICE_ONLY_FEATURES, CATEGORICAL_FEATURES)),
            ("fit", LogisticRegression(max_iter=2000)),
        ]
    ).fit(train_x, train_y["late"])
    logistic = classification_metrics(y, plain.predict_proba(test_x)[:, 1])
    result.update(
        {
            "logistic_baseline_auc": logistic["auc"],
            "logistic_baseline_pr_auc": logistic["pr_auc"],
            "logistic_baseline_brier": logistic["brier"],
            "calibration": table,
            "ece": expected_calibration_error(table),
            "classifier_family": model.metadata["classifier_family"],
            "regressor_family": model.metadata["regressor_family"],
            "classifier_source": model.metadata["classifier_source"],
            "calibration_method": model.metadata["calibration"],
            "interval_scaling": model.metadata["interval_scaling"],
            "measured": {
                "model": family_label(model.metadata),
                "history_baseline": "the client's own late share and mean days late so far",
                "logistic_baseline": "logistic regression on amount, terms and currency only",
            },
            "late_share_test": float(y.mean()),
        }
    )
    return result
