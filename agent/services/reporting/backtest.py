"""Forecast backtest: replay past weeks with the model as it would have been, against receipts.

For each origin (the Monday of each of the last ``weeks`` whole weeks) the history is cut at
the day before: invoices issued, payments dated and events logged by then, closures after it
undone. A model is trained on that cut (``risk.training.fit``, the deployable fit without the
held-out evaluation) every ``retrain_every`` origins; when the cut holds too little settled
history the documented prior is used instead, and the report says which origins used which.
Each invoice open at the origin is forecast to arrive, in full outstanding, in the week of its
predicted payment date (a date already behind moves to the origin); the naive forecast puts it
in the week of its due date, with the same rule. Both are compared, for each of ``horizon``
weeks ahead, with what those same invoices actually paid in that week. Invoices issued after
the origin are left out of both sides: neither method could have known them.

The error is the weighted absolute percentage error per currency: sum of |forecast − actual|
over every origin and horizon week, divided by the sum of actuals.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, computed_field
from sqlmodel import Session
from threadpoolctl import threadpool_limits

from agent.services.reporting.expected_cash import week_start
from agent.services.scoring import risk_scoring
from agent.settings import Settings
from risk.features import build_features
from risk.ledger import NEVER, Ledger
from risk.model import RiskModel, thread_limit
from risk.scoring import score
from risk.training import TooLittleHistory, fit, training_frame

EPOCH = date(1970, 1, 1)
DEFAULT_WEEKS = 12
DEFAULT_HORIZON = 4
DEFAULT_RETRAIN_EVERY = 4


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class BacktestCurrency(_Result):
    """Totals over every (origin, horizon week) pair of one currency."""

    currency: str
    actual_minor: int
    model_abs_error_minor: int
    naive_abs_error_minor: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def model_wape(self) -> float | None:
        return self.model_abs_error_minor / self.actual_minor if self.actual_minor else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def naive_wape(self) -> float | None:
        return self.naive_abs_error_minor / self.actual_minor if self.actual_minor else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def forecast_method(self) -> str:
        """``model`` where it beat the naive forecast, else ``naive``: what the forecast uses."""
        return "model" if self.model_abs_error_minor < self.naive_abs_error_minor else "naive"


class BacktestWeek(_Result):
    origin: date
    week_start: date
    currency: str
    forecast_minor: int
    naive_minor: int
    actual_minor: int
    model_version: str


class BacktestReport(_Result):
    as_of: date
    weeks: int
    horizon: int
    retrain_every: int
    prior_only: bool
    trained_origins: int
    prior_origins: int
    currencies: list[BacktestCurrency]
    detail: list[BacktestWeek]


def _day(value: date) -> int:
    return (value - EPOCH).days


def cut_ledger(ledger: Ledger, *, through_day: int) -> Ledger:
    """The ledger as it stood at the end of ``through_day``: nothing later is known."""
    inv = ledger.invoices
    keep = inv["issue_day"].to_numpy() <= through_day
    kept = inv[keep]
    closed = kept["closed_day"].to_numpy()
    closed_known = closed <= through_day
    lifecycle = np.where(closed_known, kept["lifecycle"].to_numpy(), "sent")

    def dates(days: np.ndarray) -> pd.Series:
        values = pd.Series(np.asarray(days, dtype=np.int64).astype("datetime64[D]"))
        return values.where(np.asarray(days) != NEVER)

    invoices = pd.DataFrame(
        {
            "invoice_id": kept["invoice_id"].to_numpy(),
            "client_id": kept["client_id"].to_numpy(),
            "issue_date": dates(kept["issue_day"].to_numpy()),
            "due_date": dates(kept["due_day"].to_numpy()),
            "original_due_date": dates(kept["original_due_day"].to_numpy()),
            "currency": kept["currency"].to_numpy(),
            "amount_minor": kept["amount_minor"].to_numpy(),
            "lifecycle": lifecycle,
            "closed_date": dates(np.where(closed_known, closed, NEVER)),
        }
    )
    ids = inv["invoice_id"].to_numpy()
    pay = ledger.payments[ledger.payments["day"].to_numpy() <= through_day]
    payments = pd.DataFrame(
        {
            "invoice_id": ids[pay["row"].to_numpy()],
            "payment_date": dates(pay["day"].to_numpy()),
            "amount_minor": pay["amount_minor"].to_numpy(),
        }
    )
    ev = ledger.events[ledger.events["day"].to_numpy() <= through_day]
    events = pd.DataFrame(
        {
            "invoice_id": ids[ev["row"].to_numpy()],
            "kind": ev["kind"].to_numpy(),
            "event_date": dates(ev["day"].to_numpy()),
        }
    )
    return Ledger.from_frames(invoices, payments, events)


def _train(ledger: Ledger, *, settings: Settings, version: str) -> RiskModel | None:
    """A model fitted on the cut history, or None (use the prior) when it is too thin."""
    features, target = training_frame(ledger, grace_days=settings.late_grace_days)
    if len(features) < settings.risk_min_history_rows:
        return None
    try:
        with threadpool_limits(limits=thread_limit(len(features))):
            return fit(features, target, version=version, coverage=settings.risk_interval_coverage)
    except TooLittleHistory:
        return None


def _receipts(full: Ledger, *, invoice_ids: np.ndarray, start_day: int, horizon: int) -> np.ndarray:
    """Per invoice (in ``invoice_ids`` order), amounts paid in each of ``horizon`` weeks."""
    ids = full.invoices["invoice_id"].to_numpy()
    pay = full.payments
    pay_ids = ids[pay["row"].to_numpy()]
    days = pay["day"].to_numpy()
    where = pd.Series(np.arange(len(invoice_ids)), index=invoice_ids)
    position = where.reindex(pay_ids).to_numpy()
    week = (days - start_day) // 7
    use = ~np.isnan(position) & (days >= start_day) & (week < horizon)
    out = np.zeros((len(invoice_ids), horizon), dtype=np.int64)
    np.add.at(out, (position[use].astype(np.int64), week[use]), pay["amount_minor"].to_numpy()[use])
    return out


def _week_index(days: np.ndarray, start_day: int) -> np.ndarray:
    return (np.maximum(days, start_day) - start_day) // 7


def backtest(
    session: Session,
    *,
    settings: Settings,
    as_of: date,
    weeks: int = DEFAULT_WEEKS,
    horizon: int = DEFAULT_HORIZON,
    retrain_every: int = DEFAULT_RETRAIN_EVERY,
    prior_only: bool = False,
) -> BacktestReport:
    """Replay the last ``weeks`` whole weeks before ``as_of`` (see the module docstring).

    ``prior_only`` skips training and replays the documented prior (fast; for small ledgers).
    """
    full = risk_scoring.load_history(session).ledger
    current = week_start(as_of)
    origins = [current - timedelta(weeks=n) for n in range(weeks, 0, -1)]
    model: RiskModel | None = None
    trained = prior = 0
    detail: list[BacktestWeek] = []
    for index, origin in enumerate(origins):
        start_day = _day(origin)
        # Only weeks wholly before as_of can be compared with what actually came in.
        weeks_ahead = min(horizon, (_day(current) - start_day) // 7)
        ledger = cut_ledger(full, through_day=start_day - 1)
        if index % retrain_every == 0 and not prior_only:
            model = _train(ledger, settings=settings, version=f"backtest-{origin.isoformat()}")
        trained, prior = (trained + 1, prior) if model is not None else (trained, prior + 1)
        inv = ledger.invoices
        rows = np.flatnonzero(
            (inv["settled_day"].to_numpy() == NEVER) & (inv["closed_day"].to_numpy() == NEVER)
        )
        if len(rows) == 0 or weeks_ahead <= 0:
            continue
        as_of_days = np.full(len(rows), start_day, dtype=np.int64)
        features = build_features(
            ledger, rows=rows, as_of_days=as_of_days, grace_days=settings.late_grace_days
        )
        scored = score(
            model,
            features,
            due_days=inv["original_due_day"].to_numpy()[rows],
            as_of_days=as_of_days,
            grace_days=settings.late_grace_days,
            medium=settings.risk_band_medium,
            high=settings.risk_band_high,
            explain=False,
        )
        outstanding = inv["amount_minor"].to_numpy()[rows] - inv["paid_minor"].to_numpy()[rows]
        model_week = _week_index(scored["expected_day"].to_numpy(), start_day)
        naive_week = _week_index(inv["due_day"].to_numpy()[rows], start_day)
        actual = _receipts(
            full,
            invoice_ids=inv["invoice_id"].to_numpy()[rows],
            start_day=start_day,
            horizon=weeks_ahead,
        )
        currencies = inv["currency"].to_numpy()[rows]
        version = model.version if model is not None else "prior"
        for currency in sorted(set(currencies)):
            mine = currencies == currency
            for ahead in range(weeks_ahead):
                detail.append(
                    BacktestWeek(
                        origin=origin,
                        week_start=origin + timedelta(weeks=ahead),
                        currency=str(currency),
                        forecast_minor=int(outstanding[mine & (model_week == ahead)].sum()),
                        naive_minor=int(outstanding[mine & (naive_week == ahead)].sum()),
                        actual_minor=int(actual[mine, ahead].sum()),
                        model_version=version,
                    )
                )
    return BacktestReport(
        as_of=as_of,
        weeks=weeks,
        horizon=horizon,
        retrain_every=retrain_every,
        prior_only=prior_only,
        trained_origins=trained,
        prior_origins=prior,
        currencies=_totals(detail),
        detail=detail,
    )


def _totals(detail: list[BacktestWeek]) -> list[BacktestCurrency]:
    sums: dict[str, list[int]] = {}
    for row in detail:
        entry = sums.setdefault(row.currency, [0, 0, 0])
        entry[0] += row.actual_minor
        entry[1] += abs(row.forecast_minor - row.actual_minor)
        entry[2] += abs(row.naive_minor - row.actual_minor)
    return [
        BacktestCurrency(
            currency=currency,
            actual_minor=actual,
            model_abs_error_minor=model_error,
            naive_abs_error_minor=naive_error,
        )
        for currency, (actual, model_error, naive_error) in sorted(sums.items())
    ]
