"""Top reasons in plain words: which facts moved this invoice's P(late) the most.

For a trained model, each group of features is swapped back to the typical (median) training
value and the score recomputed; the groups whose swap lowers the score most are the drivers.
That works for any model family; all the swapped copies go through the model in one batched
prediction, so explaining n rows costs one call on n × groups rows, not one call per group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from babel.numbers import get_currency_precision

from risk.model import RiskModel

GROUPS: dict[str, list[str]] = {
    "history": [
        "has_history",
        "log_history_count",
        "hist_late_share",
        "hist_late_evidence",
        "hist_late10_share",
        "hist_mean_days_late",
        "hist_max_days_late",
        "hist_mean_days_to_pay",
    ],
    "trend": ["hist_trend"],
    "disputes": ["hist_disputes"],
    "partial": ["hist_partial_share"],
    "last_payment": ["days_since_last_payment"],
    "open_book": ["open_invoices", "log_open_balance", "open_balance_ratio"],
    "amount": ["log_amount"],
    "terms": ["terms_days"],
    "this_invoice": ["extensions", "disputed", "promised", "paid_share"],
}
MIN_EFFECT = 0.005
Row = dict[str, Any]


def _plural(n: float, word: str) -> str:
    n = round(n)
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _history(row: Row) -> str:
    n = int(row["history_count"])
    if n == 0:
        return (
            "no history with this client yet: scored from the amount, terms, currency, "
            "country and the owner's other clients"
        )
    late = int(row["history_late_count"])
    mean = row["hist_mean_days_late"]
    if late == 0:
        return f"paid all {_plural(n, 'earlier invoice')} on time"
    timing = f"{abs(mean):.0f} days {'late' if mean >= 0 else 'early'} on average"
    return f"paid {late} of {_plural(n, 'earlier invoice')} late, {timing}"


def _trend(row: Row) -> str:
    shift = row["hist_trend"]
    direction = "later" if shift > 0 else "earlier"
    return f"the last few invoices were paid {abs(shift):.0f} days {direction} than usual"


def _amount(row: Row) -> str:
    digits = int(get_currency_precision(row["currency"]))
    return f"amount {row['amount_minor'] / 10**digits:,.{digits}f} {row['currency']}"


def _this_invoice(row: Row) -> str:
    parts = []
    if row["disputed"] > 0:
        parts.append("this invoice is disputed")
    if row["extensions"] > 0:
        parts.append(f"due date extended {_plural(row['extensions'], 'time')}")
    if row["promised"] > 0:
        parts.append("a payment date was promised")
    if row["paid_share"] > 0:
        parts.append(f"{row['paid_share']:.0%} already paid")
    return "; ".join(parts) or "nothing unusual logged on this invoice"


TEXTS: dict[str, Callable[[Row], str]] = {
    "history": _history,
    "trend": _trend,
    "disputes": lambda r: f"{_plural(r['hist_disputes'], 'dispute')} on earlier invoices",
    "partial": lambda r: f"paid {r['hist_partial_share']:.0%} of earlier invoices in instalments",
    "last_payment": lambda r: (
        "no payment received yet"
        if r["days_since_last_payment"] >= 365
        else f"last payment {r['days_since_last_payment']:.0f} days ago"
    ),
    "open_book": lambda r: (
        f"{_plural(r['open_invoices'], 'other invoice')} open, "
        f"{r['open_balance_ratio']:.1f}× this invoice outstanding"
    ),
    "amount": _amount,
    "terms": lambda r: f"{r['terms_days']:.0f}-day payment terms",
    "this_invoice": _this_invoice,
}


def effects(model: RiskModel, features: pd.DataFrame) -> pd.DataFrame:
    """Per group: how much the (uncalibrated) score drops when that group is set to typical.

    All groups' swaps go through one batched prediction.
    """
    p = model.predict_raw(features)
    swapped = []
    for columns in GROUPS.values():
        copy = features.copy(deep=False)
        for column in columns:
            copy[column] = model.reference[column]
        swapped.append(copy)
    stacked = model.predict_raw(pd.concat(swapped, ignore_index=True))
    drops = p[None, :] - stacked.reshape(len(GROUPS), len(features))
    return pd.DataFrame(drops.T, columns=list(GROUPS), index=features.index)


def top_reasons(
    features: pd.DataFrame, group_effects: pd.DataFrame, *, limit: int = 3
) -> list[list[str]]:
    """The ``limit`` strongest drivers per row, risk-raising first, then the strongest relief."""
    values = group_effects.to_numpy()
    names = list(group_effects.columns)
    result = []
    for i, row in enumerate(features.to_dict("records")):
        order = np.argsort(-np.abs(values[i]))
        raising = [j for j in order if values[i, j] > MIN_EFFECT]
        easing = [j for j in order if values[i, j] < -MIN_EFFECT]
        chosen = [names[j] for j in (raising + easing)[:limit]]
        if "history" not in chosen and (not chosen or row["history_count"] == 0):
            chosen = ["history", *chosen][:limit]
        result.append([TEXTS[name](row) for name in chosen])
    return result


def prior_reasons(features: pd.DataFrame) -> list[list[str]]:
    """Reasons for the prior: the client's history, or the terms base rate for a new client."""
    result = []
    for row in features.to_dict("records"):
        basis = (
            _history(row)
            if row["history_count"] > 0
            else f"no history: base rate for {row['terms_days']:.0f}-day terms"
        )
        result.append([basis, "prior estimate: no trained model yet"])
    return result
