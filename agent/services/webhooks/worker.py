"""The webhook deliverer: leases due deliveries and posts them, in its own transactions.

``deliver_due`` is one pass (``paytrack webhooks deliver``); ``Deliverer`` repeats it on a thread
under ``paytrack serve``. The rules it applies (signing, backoff, what an outcome does to a
delivery) live in ``webhooks``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from agent.background import Repeating
from agent.db import hold_write_lock, session_scope
from agent.models.api import DeliveryStatus, WebhookDelivery
from agent.models.base import utcnow
from agent.services.webhooks.webhooks import (
    LEASE,
    MAX_ATTEMPTS,
    TIMEOUT_SECONDS,
    apply_outcome,
    get_subscription,
    post,
)


@dataclass
class DeliveryReport:
    attempted: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def _lease_due(engine: Engine, *, now: datetime, limit: int) -> list[int]:
    with session_scope(engine) as session:
        hold_write_lock(session)  # SQLite has no SKIP LOCKED: one leaser at a time instead
        query = (
            select(WebhookDelivery)
            .where(WebhookDelivery.status == DeliveryStatus.PENDING)
            .where(WebhookDelivery.next_attempt_at <= now)
            .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list(session.exec(query))
        for row in rows:
            row.next_attempt_at = now + LEASE
            session.add(row)
        return [row.id for row in rows]


def deliver_due(
    engine: Engine,
    *,
    now: datetime | None = None,
    limit: int = 100,
    client: httpx.Client | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> DeliveryReport:
    """Post every delivery that is due on ``now``; each outcome is saved in its own transaction."""
    moment = now or utcnow()
    report = DeliveryReport()
    own_client = client is None
    http = client or httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)
    try:
        for delivery_id in _lease_due(engine, now=moment, limit=limit):
            with session_scope(engine) as session:
                delivery = session.get(WebhookDelivery, delivery_id)
                if delivery is None or delivery.status != DeliveryStatus.PENDING:
                    continue
                subscription = get_subscription(session, subscription_id=delivery.subscription_id)
                status_code: int | None
                error: str | None
                if not subscription.is_active:
                    status_code, error = None, "subscription is inactive"
                    delivery.attempts = max_attempts - 1
                else:
                    status_code, error = post(http, subscription, delivery, moment)
                status = apply_outcome(
                    delivery,
                    status_code=status_code,
                    error=error,
                    now=moment,
                    max_attempts=max_attempts,
                )
                session.add(delivery)
            report.attempted += 1
            if status == DeliveryStatus.DELIVERED:
                report.delivered += 1
            elif status == DeliveryStatus.FAILED:
                report.failed += 1
            else:
                report.retrying += 1
    finally:
        if own_client:
            http.close()
    return report


class Deliverer(Repeating):
    """``deliver_due`` every ``interval_seconds`` on a daemon thread (``paytrack serve``), or
    in the calling thread (``run_forever``: ``paytrack webhooks deliver --loop``)."""

    def __init__(self, engine: Engine, *, interval_seconds: float = 5.0) -> None:
        super().__init__(
            "paytrack-webhooks",
            partial(deliver_due, engine),
            what="webhook delivery pass",
            interval=interval_seconds,
            join_seconds=TIMEOUT_SECONDS + 5,
        )
