"""Retention: prune what is finished and older than its documented period (settings
``retention_*_days``), each kind in its own short transaction. Run daily after the sweep and by
``paytrack prune``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from agent.checkpoint import open_checkpointer
from agent.db import session_scope
from agent.models.base import utcnow
from agent.services.notices.pruning import prune_notifications
from agent.services.review.pruning import finished_threads, prune_outbox
from agent.services.scoring.pruning import prune_score_history
from agent.services.webhooks.pruning import prune_deliveries
from agent.settings import Settings

CHECKPOINT_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Pruned:
    """How many rows (threads for checkpoints) each kind lost."""

    score_history: int
    notifications: int
    webhook_deliveries: int
    outbox_messages: int
    checkpoint_threads: int


def prune(engine: Engine, *, settings: Settings, now: datetime | None = None) -> Pruned:
    moment = now or utcnow()

    def older(days: int) -> datetime:
        return moment - timedelta(days=days)

    def run(step: Callable[..., int], days: int) -> int:
        with session_scope(engine) as session:
            return step(session, before=older(days))

    return Pruned(
        score_history=run(prune_score_history, settings.retention_score_history_days),
        notifications=run(prune_notifications, settings.retention_notification_days),
        webhook_deliveries=run(prune_deliveries, settings.retention_webhook_delivery_days),
        outbox_messages=run(prune_outbox, settings.retention_outbox_days),
        checkpoint_threads=_prune_checkpoints(
            engine, before=older(settings.retention_checkpoint_days)
        ),
    )


def _prune_checkpoints(engine: Engine, *, before: datetime) -> int:
    """Delete the saved state of agent threads whose draft is long finished.

    Only threads finished in the ``CHECKPOINT_WINDOW`` before the cut-off are visited, so a
    daily run costs the same in year five as in year one (earlier ones were pruned already).
    """
    with Session(engine) as session:
        threads = finished_threads(session, since=before - CHECKPOINT_WINDOW, before=before)
    if not threads:
        return 0
    with open_checkpointer(engine) as saver:
        for thread_id in threads:
            saver.delete_thread(thread_id)
    return len(threads)
