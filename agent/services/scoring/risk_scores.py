"""Reading stored risk scores: the one "latest score" query, and the re-score queue.

The latest score of each invoice lives in ``risk_score_current`` (one row per invoice, replaced
on every scoring); ``risk_score`` keeps the history apart. Every reader asks here, or joins
``current()`` on ``invoice_id`` when it needs the score inside a larger query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from agent.models.rescore_request import RescoreRequest
from agent.models.risk_score_current import RiskScoreCurrent

_REPLACED = (
    "score_id",
    "model_version",
    "as_of_date",
    "p_late",
    "expected_payment_date",
    "interval_low_date",
    "interval_high_date",
    "band",
    "reasons",
    "trigger",
    "scored_at",
)


def current() -> type[RiskScoreCurrent]:
    """The latest-score relation to join on ``invoice_id`` (at most one row per invoice)."""
    return RiskScoreCurrent


def latest_scores(session: Session, *, invoice_ids: Sequence[int]) -> dict[int, RiskScoreCurrent]:
    """The most recent stored score of each invoice, by primary key."""
    if not invoice_ids:
        return {}
    query = select(RiskScoreCurrent).where(col(RiskScoreCurrent.invoice_id).in_(invoice_ids))
    return {score.invoice_id: score for score in session.exec(query)}


def latest_score(session: Session, *, invoice_id: int) -> RiskScoreCurrent | None:
    return session.get(RiskScoreCurrent, invoice_id)


def make_current(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert or replace the current score of each row's invoice (rows as stored in history)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    upsert = (postgresql if dialect == "postgresql" else sqlite).insert(RiskScoreCurrent)
    statement = upsert.on_conflict_do_update(
        index_elements=[col(RiskScoreCurrent.invoice_id)],
        set_={name: upsert.excluded[name] for name in _REPLACED},
    )
    session.execute(statement, rows)


def pending_requests(session: Session, *, limit: int) -> list[RescoreRequest]:
    query = select(RescoreRequest).order_by(col(RescoreRequest.id)).limit(limit)
    return list(session.exec(query))


def pending_window(session: Session) -> tuple[datetime, datetime] | None:
    """When the oldest and the newest waiting re-score requests were made; None when none wait."""
    requested = col(RescoreRequest.requested_at)
    oldest, newest = session.exec(select(func.min(requested), func.max(requested))).one()
    return None if oldest is None or newest is None else (oldest, newest)


def claim_requests(session: Session, *, request_ids: Sequence[int]) -> set[int]:
    """Delete the requests; the ids this transaction removed (another worker may have won)."""
    statement = (
        delete(RescoreRequest)
        .where(col(RescoreRequest.id).in_(request_ids))
        .returning(col(RescoreRequest.id))
    )
    return set(session.execute(statement).scalars())


def last_request_id(session: Session) -> int:
    return int(session.exec(select(func.coalesce(func.max(RescoreRequest.id), 0))).one())


def drop_requests(session: Session, *, up_to: int) -> None:
    """Forget requests a full scoring run has answered."""
    session.execute(delete(RescoreRequest).where(col(RescoreRequest.id) <= up_to))
