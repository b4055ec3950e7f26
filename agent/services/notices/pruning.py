"""Retention for notifications: read ones older than the retention period go."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col

from agent.models.notification import Notification


def prune_notifications(session: Session, *, before: datetime) -> int:
    """Delete notifications read and created before ``before``; unread ones always stay."""
    statement = delete(Notification).where(
        col(Notification.read_at).is_not(None), col(Notification.created_at) < before
    )
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]
