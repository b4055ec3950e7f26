"""Features known at the time: for invoice X and a day, only what could be known that morning.

Client history counts only invoices *settled before* the day, payments only those dated
before it, and disputes, extensions and promises only those dated on or before it. Everything
is computed for the whole batch at once with sorted prefix sums and ``searchsorted``, never one
lookup per invoice.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from risk.ledger import NEVER, Ledger

NUMERIC_FEATURES = [
    "log_amount",
    "terms_days",
    "has_history",
    "log_history_count",
    "hist_late_share",
    "hist_late_evidence",
    "hist_late10_share",
    "hist_mean_days_late",
    "hist_max_days_late",
    "hist_mean_days_to_pay",
    "hist_trend",
    "days_since_last_payment",
    "hist_disputes",
    "hist_partial_share",
    "open_invoices",
    "log_open_balance",
    "open_balance_ratio",
    "extensions",
    "disputed",
    "promised",
    "paid_share",
]
# Known at issue for any client, new ones too: what a client without history is scored by.
CATEGORICAL_FEATURES = ["currency", "country", "owner"]
FEATURES = NUMERIC_FEATURES + CATEGORICAL_FEATURES
RECENT_WINDOW = 3
_OFFSET = 2**24  # keeps day numbers before 1970 positive inside the sort keys
_SPAN = 2**25


def _keys(groups: np.ndarray, days: np.ndarray) -> np.ndarray:
    return groups.astype(np.int64) * _SPAN + (days.astype(np.int64) + _OFFSET)


class _Stream:
    """Dated values per group, sorted, with prefix sums: totals over "before day d" in O(log n)."""

    def __init__(self, groups: np.ndarray, days: np.ndarray, values: dict[str, np.ndarray]):
        order = np.lexsort((days, groups))
        self.keys = _keys(groups[order], days[order])
        self.days = days[order]
        self.sorted = {name: np.asarray(v)[order] for name, v in values.items()}
        self.sums = {
            name: np.concatenate([[0.0], np.cumsum(v, dtype=np.float64)])
            for name, v in self.sorted.items()
        }

    def span(
        self, groups: np.ndarray, days: np.ndarray, *, inclusive: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        start = np.searchsorted(self.keys, _keys(groups, np.full(len(days), -_OFFSET)))
        side: Literal["left", "right"] = "right" if inclusive else "left"
        end = np.searchsorted(self.keys, _keys(groups, days), side=side)
        return start, end

    def total(self, name: str, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        return self.sums[name][end] - self.sums[name][start]


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.zeros(len(num), dtype=np.float64), where=den > 0)


def build_features(
    ledger: Ledger, *, rows: np.ndarray, as_of_days: np.ndarray, grace_days: int = 0
) -> pd.DataFrame:
    """Model inputs (``FEATURES``) plus plain facts for reasons, one row per entry of ``rows``.

    ``rows`` are positions in ``ledger.invoices``; ``as_of_days`` the day each is judged on
    (its issue day when training, today when scoring).
    """
    inv = ledger.invoices
    rows = np.asarray(rows, dtype=np.int64)
    as_of = np.asarray(as_of_days, dtype=np.int64)
    client_all = inv["client_id"].to_numpy()
    client = client_all[rows]
    amount = inv["amount_minor"].to_numpy()[rows]
    out: dict[str, np.ndarray] = {
        "amount_minor": amount,
        "log_amount": np.log1p(amount.astype(np.float64)),
        "terms_days": (inv["original_due_day"].to_numpy() - inv["issue_day"].to_numpy())[
            rows
        ].astype(np.float64),
    }
    out.update(_history(inv, client, as_of, grace_days))
    out.update(_last_payment(ledger, client_all, client, as_of))
    out.update(_open_book(ledger, client_all, rows, client, as_of))
    out.update(_this_invoice(ledger, client_all, rows, client, as_of))
    frame = pd.DataFrame(out)
    for column in CATEGORICAL_FEATURES:
        frame[column] = inv[column].to_numpy()[rows]
    return frame


def _history(
    inv: pd.DataFrame, client: np.ndarray, as_of: np.ndarray, grace_days: int
) -> dict[str, np.ndarray]:
    settled_day = inv["settled_day"].to_numpy()
    done = settled_day < NEVER
    days_late = (settled_day - inv["original_due_day"].to_numpy())[done].astype(np.float64)
    stream = _Stream(
        inv["client_id"].to_numpy()[done],
        settled_day[done],
        {
            "one": np.ones(done.sum()),
            "late": (days_late > grace_days).astype(np.float64),
            "late10": (days_late > 10).astype(np.float64),
            "days_late": days_late,
            "days_late_sq": days_late**2,
            "days_to_pay": (settled_day - inv["issue_day"].to_numpy())[done].astype(np.float64),
            "partial": (inv["payment_count"].to_numpy()[done] > 1).astype(np.float64),
        },
    )
    start, end = stream.span(client, as_of, inclusive=False)
    count = (end - start).astype(np.float64)
    late_sum = stream.total("days_late", start, end)
    mean_late = _safe_div(late_sum, count)
    variance = np.maximum(
        _safe_div(stream.total("days_late_sq", start, end), count) - mean_late**2, 0
    )
    recent_start = np.maximum(start, end - RECENT_WINDOW)
    recent_n = (end - recent_start).astype(np.float64)
    recent_mean = _safe_div(stream.total("days_late", recent_start, end), recent_n)
    running_max = (
        pd.Series(stream.sorted["days_late"]).groupby(stream.keys // _SPAN).cummax().to_numpy()
    )
    has = count > 0
    last = np.where(has, end - 1, 0)
    max_late = np.where(has, running_max[last] if len(running_max) else 0.0, 0.0)
    late_count = stream.total("late", start, end)
    return {
        "history_count": count,
        "history_late_count": late_count,
        "has_history": has.astype(np.float64),
        "log_history_count": np.log1p(count),
        "hist_late_share": _safe_div(late_count, count),
        # The late share counts for more the longer the history behind it: without this, a
        # model fitted mostly on young histories under-trusts the long ones it meets later.
        "hist_late_evidence": (_safe_div(late_count, count) - 0.5) * np.log1p(count),
        "hist_late10_share": _safe_div(stream.total("late10", start, end), count),
        "hist_mean_days_late": mean_late,
        "hist_std_days_late": np.sqrt(variance),
        "hist_max_days_late": max_late,
        "hist_mean_days_to_pay": _safe_div(stream.total("days_to_pay", start, end), count),
        "hist_trend": np.where(recent_n > 0, recent_mean - mean_late, 0.0),
        "hist_partial_share": _safe_div(stream.total("partial", start, end), count),
    }


def _last_payment(
    ledger: Ledger, client_all: np.ndarray, client: np.ndarray, as_of: np.ndarray
) -> dict[str, np.ndarray]:
    pay = ledger.payments
    days = pay["day"].to_numpy()
    stream = _Stream(client_all[pay["row"].to_numpy()], days, {"one": np.ones(len(pay))})
    start, end = stream.span(client, as_of, inclusive=False)
    has = end > start
    last_day = np.where(has, stream.days[np.maximum(end - 1, 0)] if len(days) else 0, 0)
    since = np.where(has, np.minimum(as_of - last_day, 365), 365).astype(np.float64)
    return {"days_since_last_payment": since}


def _open_book(
    ledger: Ledger, client_all: np.ndarray, rows: np.ndarray, client: np.ndarray, as_of: np.ndarray
) -> dict[str, np.ndarray]:
    """The client's *other* open invoices and their unpaid balance on the morning of ``as_of``."""
    inv = ledger.invoices
    amount_all = inv["amount_minor"].to_numpy().astype(np.float64)
    issued = _Stream(
        client_all, inv["issue_day"].to_numpy(), {"one": np.ones(len(inv)), "amount": amount_all}
    )
    i_start, i_end = issued.span(client, as_of, inclusive=True)
    settled = inv["settled_day"].to_numpy()
    closed = np.where(
        inv["lifecycle"].isin(["void", "written_off"]).to_numpy(),
        inv["closed_day"].to_numpy(),
        NEVER,
    )
    ended_day = np.minimum(settled, closed)
    gone = ended_day < NEVER
    remainder = np.where(closed < settled, amount_all - inv["paid_minor"].to_numpy(), 0.0)
    ended = _Stream(
        client_all[gone],
        ended_day[gone],
        {"one": np.ones(gone.sum()), "remainder": remainder[gone]},
    )
    e_start, e_end = ended.span(client, as_of, inclusive=False)
    pay = ledger.payments
    paid = _Stream(
        client_all[pay["row"].to_numpy()],
        pay["day"].to_numpy(),
        {"amount": pay["amount_minor"].to_numpy().astype(np.float64)},
    )
    p_start, p_end = paid.span(client, as_of, inclusive=False)
    own_paid = _own_paid_before(ledger, rows, as_of)
    amount = amount_all[rows]
    count = issued.total("one", i_start, i_end) - ended.total("one", e_start, e_end) - 1
    balance = (
        issued.total("amount", i_start, i_end)
        - paid.total("amount", p_start, p_end)
        - ended.total("remainder", e_start, e_end)
        - (amount - own_paid)
    )
    balance = np.maximum(balance, 0.0)
    return {
        "open_invoices": np.maximum(count, 0.0),
        "open_balance_minor": balance,
        "log_open_balance": np.log1p(balance),
        "open_balance_ratio": np.minimum(balance / np.maximum(amount, 1), 50.0),
        "own_paid_minor": own_paid,
    }


def _own_paid_before(ledger: Ledger, rows: np.ndarray, as_of: np.ndarray) -> np.ndarray:
    pay = ledger.payments
    stream = _Stream(
        pay["row"].to_numpy(),
        pay["day"].to_numpy(),
        {"amount": pay["amount_minor"].to_numpy().astype(np.float64)},
    )
    start, end = stream.span(rows, as_of, inclusive=False)
    return stream.total("amount", start, end)


def _this_invoice(
    ledger: Ledger, client_all: np.ndarray, rows: np.ndarray, client: np.ndarray, as_of: np.ndarray
) -> dict[str, np.ndarray]:
    ev = ledger.events
    ev_rows = ev["row"].to_numpy()
    ev_days = ev["day"].to_numpy()
    kinds = ev["kind"].to_numpy()
    found: dict[str, np.ndarray] = {}
    for kind in ("dispute", "extension", "promise"):
        mask = kinds == kind
        stream = _Stream(ev_rows[mask], ev_days[mask], {"one": np.ones(mask.sum())})
        start, end = stream.span(rows, as_of, inclusive=True)
        found[kind] = stream.total("one", start, end)
    disputes = kinds == "dispute"
    by_client = _Stream(
        client_all[ev_rows[disputes]], ev_days[disputes], {"one": np.ones(disputes.sum())}
    )
    c_start, c_end = by_client.span(client, as_of, inclusive=True)
    amount = ledger.invoices["amount_minor"].to_numpy()[rows].astype(np.float64)
    return {
        "hist_disputes": by_client.total("one", c_start, c_end) - found["dispute"],
        "extensions": found["extension"],
        "disputed": (found["dispute"] > 0).astype(np.float64),
        "promised": (found["promise"] > 0).astype(np.float64),
        "paid_share": _own_paid_before(ledger, rows, as_of) / np.maximum(amount, 1),
    }
