"""Reading stored risk scores: cheap look-ups for the sweep and the agent (no model loaded)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from agent.models.risk import RiskScore


def latest_scores(session: Session, *, invoice_ids: list[int]) -> dict[int, RiskScore]:
    """The most recent stored score of each invoice, in one query (ids grow with time)."""
    if not invoice_ids:
        return {}
    newest = (
        select(func.max(RiskScore.id))
        .where(col(RiskScore.invoice_id).in_(invoice_ids))
        .group_by(col(RiskScore.invoice_id))
    )
    rows = session.exec(select(RiskScore).where(col(RiskScore.id).in_(newest)))
    return {score.invoice_id: score for score in rows}
