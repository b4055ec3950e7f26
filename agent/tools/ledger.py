"""Ledger facts for the agent."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from agent.db import read_scope
from agent.services.reminders import reminder_context
from agent.services.reminders.milestones import Schedule
from agent.settings import Settings


def gather(engine: Engine, *, thread_id: str, as_of: date, settings: Settings) -> dict[str, Any]:
    with read_scope(engine) as session:
        return reminder_context.for_thread(
            session,
            thread_id=thread_id,
            as_of=as_of,
            due_soon_days=settings.due_soon_days,
            schedule=Schedule.from_settings(settings),
        )
