"""Retention for the review side: finished outbox rows, and which agent threads are done."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from agent.models.draft import Draft, DraftStatus
from agent.models.outbox import OutboxMessage, OutboxStatus

FINISHED_DRAFTS = (DraftStatus.SENT, DraftStatus.REJECTED, DraftStatus.SUPERSEDED)


def prune_outbox(session: Session, *, before: datetime) -> int:
    """Delete sent or failed messages created before ``before``; pending, sending and
    unconfirmed ones (a person still has to look) always stay."""
    statement = delete(OutboxMessage).where(
        col(OutboxMessage.status).in_([OutboxStatus.SENT, OutboxStatus.FAILED]),
        col(OutboxMessage.created_at) < before,
    )
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def finished_threads(session: Session, *, since: datetime, before: datetime) -> list[str]:
    """Agent threads whose draft was sent, rejected or superseded between the two moments."""
    query = select(Draft.thread_id).where(
        col(Draft.status).in_(FINISHED_DRAFTS),
        col(Draft.decided_at) >= since,
        col(Draft.decided_at) < before,
    )
    return list(session.exec(query))
