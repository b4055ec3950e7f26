"""A payment history in the IBM accounts-receivable layout, with that data set's shape.

About 100 customers over two years; 30-day terms; a fifth of invoices disputed; customers move
from paper to electronic bills at their own date and pay faster after it, so lateness drifts
down over time the way the real history does. Used to check the risk model end to end through
the documented ``--map`` import (``tests/cli/test_risk_cli.py``) without shipping real data.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import numpy as np

HEADER = [
    "countryCode", "customerID", "PaperlessDate", "invoiceNumber", "InvoiceDate", "DueDate",
    "InvoiceAmount", "Disputed", "SettledDate", "PaperlessBill", "DaysToSettle", "DaysLate",
]  # fmt: skip
START = date(2012, 1, 1)
SPAN_DAYS = 730


def _us(day: date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


def write(path: Path, *, rows: int = 2466, customers: int = 100, seed: int = 11) -> Path:
    rng = np.random.default_rng(seed)
    propensity = rng.normal(0.0, 1.0, customers)
    paperless_at = rng.integers(-200, SPAN_DAYS + 200, customers)
    country = rng.choice([391, 406, 770, 818, 897], customers)
    weights = rng.gamma(2.0, 1.0, customers)
    who = rng.choice(customers, size=rows, p=weights / weights.sum())
    issued = np.sort(rng.integers(0, SPAN_DAYS, rows))
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for i in range(rows):
            c = int(who[i])
            day = START + timedelta(days=int(issued[i]))
            electronic = issued[i] >= paperless_at[c]
            disputed = rng.random() < 0.12 + 0.15 / (1 + np.exp(-propensity[c]))
            mean = 25 + 8 * propensity[c] + 9 * disputed - 5 * electronic
            to_settle = max(0, round(rng.normal(mean, 3.5 + 1.5 * abs(propensity[c]))))
            settled = day + timedelta(days=to_settle)
            amount = round(float(rng.lognormal(3.9, 0.5)), 2)
            out.writerow(
                [
                    int(country[c]),
                    f"{1000 + c:04d}-C{c:03d}",
                    _us(START + timedelta(days=int(paperless_at[c]))),
                    611365 + i,
                    _us(day),
                    _us(day + timedelta(days=30)),
                    f"{amount:.2f}",
                    "Yes" if disputed else "No",
                    _us(settled),
                    "Electronic" if electronic else "Paper",
                    to_settle,
                    max(0, to_settle - 30),
                ]
            )
    return path
