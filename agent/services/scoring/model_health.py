"""Is the deployed risk model still fit to score? Its age, what settled since, and drift.

Cheap enough for every dashboard view and daily job: one aggregate over invoice positions,
no model loading. The thresholds come from settings (``risk_stale_*``, ``risk_drift_*``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from agent.models.risk import RiskModelRecord
from agent.services.ledger.positions import positions, sum_if
from agent.settings import Settings


@dataclass(frozen=True)
class ModelHealth:
    """The deployed model's freshness; ``reasons`` is empty while it is fit to score."""

    version: str | None
    trained_at: datetime | None
    age_days: int | None
    rows_trained: int
    data_through: date | None
    settled_since: int
    train_late_share: float | None
    live_late_share: float | None
    reasons: list[str] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        return bool(self.reasons)


def deployed(session: Session) -> RiskModelRecord | None:
    """The newest registered model: the one that scores."""
    query = select(RiskModelRecord).order_by(
        col(RiskModelRecord.trained_at).desc(),
        col(RiskModelRecord.id).desc(),
    )
    return session.exec(query).first()


def _settled_since(
    session: Session, *, since: date, today: date, grace_days: int
) -> tuple[int, int]:
    """Invoices fully paid after ``since`` (by ``today``), and how many of them late."""
    pos = positions(today)
    settled = (pos.c.state == "paid") & (pos.c.last_payment_date > since)
    row = session.exec(
        select(sum_if(settled), sum_if(settled & (pos.c.days_late > grace_days))).select_from(pos)
    ).one()
    return int(row[0]), int(row[1])


def check(session: Session, *, settings: Settings, today: date) -> ModelHealth:
    """The deployed model's health on ``today``; with no model, stale with that reason."""
    record = deployed(session)
    if record is None:
        return ModelHealth(None, None, None, 0, None, 0, None, None, ["no trained model yet"])
    details = record.details
    through = date.fromisoformat(str(details["data_through"]))
    grace = int(details.get("grace_days", settings.late_grace_days))
    rows = int(details.get("rows_total", 0))
    settled, late = _settled_since(session, since=through, today=today, grace_days=grace)
    train_share = details.get("base_late_share")
    live_share = late / settled if settled else None
    age = (today - record.trained_at.date()).days
    reasons = []
    if age > settings.risk_stale_after_days:
        reasons.append(f"trained {age} days ago (limit {settings.risk_stale_after_days})")
    if rows and settled >= settings.risk_stale_new_share * rows:
        reasons.append(f"{settled} invoices settled since training, against {rows} trained on")
    if (
        live_share is not None
        and train_share is not None
        and settled >= settings.risk_drift_min_rows
        and abs(live_share - float(train_share)) >= settings.risk_drift_points
    ):
        reasons.append(
            f"late share {live_share:.0%} since training, against {float(train_share):.0%} "
            "when trained"
        )
    return ModelHealth(
        version=record.version,
        trained_at=record.trained_at,
        age_days=age,
        rows_trained=rows,
        data_through=through,
        settled_since=settled,
        train_late_share=None if train_share is None else float(train_share),
        live_late_share=live_share,
        reasons=reasons,
    )


def forecast_methods(session: Session) -> dict[str, str]:
    """Per currency, what the cash forecast uses: ``model`` dates, or ``naive`` due dates
    where the last forecast backtest found the model no better (``record_forecast_methods``)."""
    record = deployed(session)
    if record is None:
        return {}
    return dict(record.details.get("forecast_methods", {}))


def record_forecast_methods(session: Session, *, methods: dict[str, str]) -> None:
    """Keep a backtest's verdict with the deployed model, which it judged."""
    record = deployed(session)
    if record is None:
        return
    record.details = {**record.details, "forecast_methods": methods}
    session.add(record)
    session.flush()
