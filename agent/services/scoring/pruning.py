"""Retention for the risk-score history.

The daily run appends one row per open invoice; kept forever that is millions of rows a year.
Periodic scores older than the period go; what stays summarises each invoice: its score at
issue, every score an event asked for, and its current score (``risk_score_current``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import Session, col

from agent.models.risk import RiskScore
from agent.models.risk_score_current import RiskScoreCurrent

PERIODIC_TRIGGERS = ("scheduled", "sweep", "manual", "accounts")


def prune_score_history(session: Session, *, before: datetime) -> int:
    """Delete periodic scores taken before ``before`` that are no invoice's current score."""
    statement = delete(RiskScore).where(
        col(RiskScore.trigger).in_(PERIODIC_TRIGGERS),
        col(RiskScore.scored_at) < before,
        col(RiskScore.id).not_in(select(col(RiskScoreCurrent.score_id))),
    )
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]
