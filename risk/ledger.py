"""The payment history as three frames, with dates as integer day numbers and settlement derived.

Input columns (what the service layer supplies):

- invoices: ``invoice_id, client_id, issue_date, due_date, original_due_date, currency,
  amount_minor, lifecycle, closed_date`` (dates as ``datetime64`` or ``date``; drafts excluded),
  optionally ``owner_id`` and ``country`` (the client's), which a new client is scored by
- payments: ``invoice_id, payment_date, amount_minor``
- events: ``invoice_id, kind, event_date`` with kind one of ``dispute``, ``extension``, ``promise``
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NEVER = 2**23  # a day number later than any real date: "not (yet) settled / closed"
INVOICE_COLUMNS = [
    "invoice_id",
    "client_id",
    "issue_date",
    "due_date",
    "original_due_date",
    "currency",
    "amount_minor",
    "lifecycle",
    "closed_date",
]
PAYMENT_COLUMNS = ["invoice_id", "payment_date", "amount_minor"]
EVENT_COLUMNS = ["invoice_id", "kind", "event_date"]
EVENT_KINDS = ("dispute", "extension", "promise")


def to_days(values: pd.Series | np.ndarray) -> np.ndarray:
    """Dates (``datetime64``/``date``/NaT) as int64 days since 1970-01-01; NaT becomes NEVER."""
    as_dt = pd.to_datetime(pd.Series(values), errors="coerce")
    days = as_dt.to_numpy(dtype="datetime64[D]").astype(np.int64)
    days[as_dt.isna().to_numpy()] = NEVER
    return days


def to_dates(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]")


@dataclass(frozen=True)
class Ledger:
    """Invoices indexed 0..n-1 with day-number columns and, per invoice, when it was settled.

    ``settled_day`` is the day of the payment that brought the paid total up to the amount
    (NEVER when it has not been); ``payment_count`` counts payments up to that day.
    """

    invoices: pd.DataFrame
    payments: pd.DataFrame
    events: pd.DataFrame

    @classmethod
    def from_frames(
        cls, invoices: pd.DataFrame, payments: pd.DataFrame, events: pd.DataFrame
    ) -> Ledger:
        inv = pd.DataFrame(
            {
                "invoice_id": invoices["invoice_id"].to_numpy(np.int64),
                "client_id": invoices["client_id"].to_numpy(np.int64),
                "issue_day": to_days(invoices["issue_date"]),
                "due_day": to_days(invoices["due_date"]),
                "original_due_day": to_days(invoices["original_due_date"]),
                "currency": invoices["currency"].astype(str).to_numpy(),
                "amount_minor": invoices["amount_minor"].to_numpy(np.int64),
                "lifecycle": invoices["lifecycle"].astype(str).to_numpy(),
                "closed_day": to_days(invoices["closed_date"]),
                "owner": _optional(invoices, "owner_id"),
                "country": _optional(invoices, "country"),
            }
        )
        row_of = pd.Series(np.arange(len(inv)), index=inv["invoice_id"])
        pay = pd.DataFrame(
            {
                "row": row_of.reindex(payments["invoice_id"].to_numpy()).to_numpy(),
                "day": to_days(payments["payment_date"]),
                "amount_minor": payments["amount_minor"].to_numpy(np.int64),
            }
        ).dropna(subset=["row"])
        pay["row"] = pay["row"].astype(np.int64)
        pay = pay.sort_values(["row", "day"], kind="stable").reset_index(drop=True)
        ev = pd.DataFrame(
            {
                "row": row_of.reindex(events["invoice_id"].to_numpy()).to_numpy(),
                "kind": events["kind"].astype(str).to_numpy(),
                "day": to_days(events["event_date"]),
            }
        ).dropna(subset=["row"])
        ev["row"] = ev["row"].astype(np.int64)
        inv["settled_day"], inv["payment_count"], inv["paid_minor"] = _settlement(inv, pay)
        return cls(invoices=inv, payments=pay, events=ev.reset_index(drop=True))

    def __len__(self) -> int:
        return len(self.invoices)


def _optional(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A categorical column as text; empty where the input lacks it."""
    if column not in frame:
        return np.full(len(frame), "", dtype=object)
    return frame[column].fillna("").astype(str).to_numpy(dtype=object)


def _settlement(inv: pd.DataFrame, pay: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(inv)
    settled = np.full(n, NEVER, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    paid = np.zeros(n, dtype=np.int64)
    if pay.empty:
        return settled, count, paid
    rows = pay["row"].to_numpy()
    running = pay.groupby("row", sort=False)["amount_minor"].cumsum().to_numpy()
    paid_total = pay.groupby("row", sort=True)["amount_minor"].sum()
    paid[paid_total.index.to_numpy()] = paid_total.to_numpy()
    reached = running >= inv["amount_minor"].to_numpy()[rows]
    first = pd.DataFrame({"row": rows[reached], "day": pay["day"].to_numpy()[reached]})
    first = first.groupby("row", sort=True)["day"].min()
    settled[first.index.to_numpy()] = first.to_numpy()
    settled_rows = settled[rows]
    upto = pd.Series(pay["day"].to_numpy() <= settled_rows).groupby(rows).sum()
    count[upto.index.to_numpy()] = upto.to_numpy()
    return settled, count, paid
