"""Fitting: model family chosen on a validation slice, calibration, split-conformal intervals.

The settled history is ordered by issue date. ``train_and_evaluate`` holds out the newest
share as a test set, fits on the rest and measures model and baselines on the test set, then
refits the chosen families on everything for the model that is deployed.

Within any fit the newest 20 % of its rows are a validation slice: both families are fitted
on the older 80 % and the one with the better validation AUC (classifier) or MAE (regressor)
wins. The classifier is then refitted on all rows with cross-validated calibration; the
regressor is refitted on all rows; its interval comes from split-conformal quantiles of
scaled residuals pooled from two time origins (fit on the older 80 % → predict the newest
20 %; fit on the older 60 % → predict the newest 40 %), so that the offsets include errors at
the longer horizons a deployed model meets. The coverage measured on the test period is
reported with every model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import mean_absolute_error, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from risk.evaluation import (
    calibration_table,
    classification_metrics,
    history_baseline,
    interval_metrics,
)
from risk.features import CATEGORICAL_FEATURES, FEATURES, NUMERIC_FEATURES, build_features
from risk.labels import labels, settled_rows
from risk.ledger import Ledger, to_dates
from risk.model import RiskModel, interval_scale, reference_row, thread_limit

VALIDATION_SHARE = 0.2
EARLY_ORIGIN_SHARE = 0.4
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


def _conformal(residuals: np.ndarray, coverage: float) -> tuple[float, float]:
    """Lower/upper residual quantiles so that [point+lo, point+hi] covers ``coverage``."""
    n = len(residuals)
    tail = (1 - coverage) / 2
    rank_hi = min(n, math.ceil((n + 1) * (1 - tail)))
    rank_lo = max(1, math.floor((n + 1) * tail))
    ordered = np.sort(residuals)
    return float(ordered[rank_lo - 1]), float(ordered[rank_hi - 1])


def _scaled_residuals(
    regressor: BaseEstimator, x: pd.DataFrame, y: pd.DataFrame, spread: float
) -> np.ndarray:
    error = y["days_late"].to_numpy() - regressor.predict(x[FEATURES])
    return error / interval_scale(x, population_spread=spread)


def fit(
    features: pd.DataFrame,
    target: pd.DataFrame,
    *,
    version: str,
    coverage: float,
    seed: int = 7,
) -> RiskModel:
    """Choose each family on the newest slice, then fit the deployable model on ``features``."""
    cut = _split(len(features), VALIDATION_SHARE)
    x_fit, x_val = features.iloc[:cut], features.iloc[cut:]
    y_fit, y_val = target.iloc[:cut], target.iloc[cut:]
    if len(np.unique(y_fit["late"])) < 2 or len(np.unique(y_val["late"])) < 2:
        raise TooLittleHistory("both on-time and late payments are needed in every period")
    clf_scores: dict[str, float] = {}
    for name, candidate in classifier_candidates(seed).items():
        fitted = clone(candidate).fit(x_fit, y_fit["late"])
        clf_scores[name] = float(roc_auc_score(y_val["late"], fitted.predict_proba(x_val)[:, 1]))
    clf_name = max(clf_scores, key=lambda k: clf_scores[k])
    reg_scores: dict[str, float] = {}
    regressors: dict[str, BaseEstimator] = {}
    for name, candidate in regressor_candidates(seed).items():
        regressors[name] = clone(candidate).fit(x_fit, y_fit["days_late"])
        reg_scores[name] = float(
            mean_absolute_error(y_val["days_late"], regressors[name].predict(x_val))
        )
    reg_name = min(reg_scores, key=lambda k: reg_scores[k])
    spread = float(target["days_late"].std()) or 1.0
    residuals = [_scaled_residuals(regressors[reg_name], x_val, y_val, spread)]
    early = _split(len(features), EARLY_ORIGIN_SHARE)
    early_fit = clone(regressor_candidates(seed)[reg_name]).fit(
        features.iloc[:early][FEATURES], target.iloc[:early]["days_late"]
    )
    residuals.append(
        _scaled_residuals(early_fit, features.iloc[early:], target.iloc[early:], spread)
    )
    regressor = clone(regressor_candidates(seed)[reg_name]).fit(
        features[FEATURES], target["days_late"]
    )
    method = "isotonic" if len(features) >= 5000 else "sigmoid"
    classifier = CalibratedClassifierCV(
        classifier_candidates(seed)[clf_name], method=method, cv=3
    ).fit(features[FEATURES], target["late"])
    return RiskModel(
        version=version,
        classifier=classifier,
        regressor=regressor,
        interval=_conformal(np.concatenate(residuals), coverage),
        population_spread=spread,
        reference=reference_row(features),
        metadata={
            "classifier_family": clf_name,
            "regressor_family": reg_name,
            "calibration": method,
            "validation_auc": clf_scores,
            "validation_mae_days": reg_scores,
        },
    )


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
            "calibration": calibration_table(y, p),
            "classifier_family": model.metadata["classifier_family"],
            "regressor_family": model.metadata["regressor_family"],
            "late_share_test": float(y.mean()),
        }
    )
    return result
