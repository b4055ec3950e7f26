"""Small ledgers as frames with known client behaviour, for testing the pure ``risk`` package.

Not a general generator (``agent.demo.ledger`` is that): just enough structure that a
model using client history should beat both the history-share and the invoice-only baselines.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from risk.ledger import Ledger

BEHAVIOURS = ("prompt", "late", "disputer", "deteriorating", "partial", "average")


def frames(
    *, invoices: int = 3000, clients: int = 120, seed: int = 3, end: date = date(2025, 12, 31)
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    behaviour = rng.choice(BEHAVIOURS, size=clients)
    client = rng.integers(0, clients, size=invoices)
    span = 720
    issue = np.sort(rng.integers(0, span, size=invoices))
    terms = rng.choice([14, 30, 30, 60], size=invoices)
    amount = np.round(rng.lognormal(11, 1, size=invoices)).astype(np.int64) + 100
    kind = behaviour[client]
    late = np.select(
        [kind == "prompt", kind == "late", kind == "disputer", kind == "partial"],
        [
            rng.normal(-3, 3, invoices),
            rng.normal(12, 8, invoices),
            rng.normal(4, 6, invoices),
            rng.normal(3, 6, invoices),
        ],
        default=rng.normal(-1, 7, invoices),
    )
    late = np.where(
        kind == "deteriorating", -4 + 30 * issue / span + rng.normal(0, 4, invoices), late
    )
    disputed = (kind == "disputer") & (rng.random(invoices) < 0.35)
    late = np.where(disputed, late + 25, late)
    late += np.where(terms == 60, 4, 0) + 2 * (np.log(amount) - 11)
    pay_delay = np.maximum(terms + np.round(late).astype(np.int64), 0)
    start = np.datetime64(end) - span - 120
    issue_dates = start + issue
    invoice_frame = pd.DataFrame(
        {
            "invoice_id": np.arange(1, invoices + 1),
            "client_id": client + 1,
            "issue_date": issue_dates,
            "due_date": issue_dates + terms,
            "original_due_date": issue_dates + terms,
            "currency": "EUR",
            "amount_minor": amount,
            "lifecycle": "sent",
            "closed_date": pd.NaT,
        }
    )
    paid_on = issue_dates + pay_delay
    visible = paid_on <= np.datetime64(end)
    split = (kind == "partial") & visible
    first = np.where(split, amount // 2, amount)
    rows = [
        pd.DataFrame(
            {
                "invoice_id": invoice_frame["invoice_id"][visible],
                "payment_date": np.where(split, paid_on - 10, paid_on)[visible],
                "amount_minor": first[visible],
            }
        ),
        pd.DataFrame(
            {
                "invoice_id": invoice_frame["invoice_id"][split],
                "payment_date": paid_on[split],
                "amount_minor": (amount - first)[split],
            }
        ),
    ]
    payments = pd.concat(rows, ignore_index=True)
    payments["payment_date"] = np.maximum(
        payments["payment_date"].to_numpy(),
        issue_dates[payments["invoice_id"].to_numpy() - 1],
    )
    events = pd.DataFrame(
        {
            "invoice_id": invoice_frame["invoice_id"][disputed],
            "kind": "dispute",
            "event_date": (issue_dates + np.minimum(5, pay_delay))[disputed],
        }
    )
    return invoice_frame, payments, events


def ledger(**kwargs: object) -> Ledger:
    return Ledger.from_frames(*frames(**kwargs))  # type: ignore[arg-type]
