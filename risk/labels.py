"""Training labels: was the invoice paid after its due date (plus grace), and how many days late."""

from __future__ import annotations

import numpy as np
import pandas as pd

from risk.ledger import NEVER, Ledger


def settled_rows(ledger: Ledger) -> np.ndarray:
    """Positions of settled invoices, oldest issue first (ties by id): the time order of a split."""
    inv = ledger.invoices
    done = np.flatnonzero(inv["settled_day"].to_numpy() < NEVER)
    order = np.lexsort((inv["invoice_id"].to_numpy()[done], inv["issue_day"].to_numpy()[done]))
    return done[order]


def labels(ledger: Ledger, rows: np.ndarray, *, grace_days: int) -> pd.DataFrame:
    """``late`` (0/1), ``days_late`` after the original due date, ``days_to_pay`` after issue."""
    inv = ledger.invoices
    settled = inv["settled_day"].to_numpy()[rows]
    days_late = settled - inv["original_due_day"].to_numpy()[rows]
    return pd.DataFrame(
        {
            "late": (days_late > grace_days).astype(np.int64),
            "days_late": days_late.astype(np.float64),
            "days_to_pay": (settled - inv["issue_day"].to_numpy()[rows]).astype(np.float64),
            "settled_day": settled,
        }
    )
