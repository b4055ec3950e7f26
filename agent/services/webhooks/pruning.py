"""Retention for webhook deliveries: finished ones (delivered or failed) older than the period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col

from agent.models.api import DeliveryStatus, WebhookDelivery


def prune_deliveries(session: Session, *, before: datetime) -> int:
    """Delete finished deliveries created before ``before``; pending ones always stay."""
    statement = delete(WebhookDelivery).where(
        col(WebhookDelivery.status).in_([DeliveryStatus.DELIVERED, DeliveryStatus.FAILED]),
        col(WebhookDelivery.created_at) < before,
    )
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]
