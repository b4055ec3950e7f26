"""Ledger facts and the risk view for the agent, read together."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from agent.db import read_scope
from agent.services.reminders import reminder_context
from agent.services.reminders.milestones import Schedule
from agent.settings import Settings
from agent.tools import risk


def gather(
    engine: Engine, *, thread_id: str, as_of: date, settings: Settings
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The thread's facts and, when it still lists an invoice, its client's risk view.

    One read scope for both: each statement reads committed data, as two scopes did, with one
    connection checkout instead of two.
    """
    with read_scope(engine) as session:
        context = reminder_context.for_thread(
            session,
            thread_id=thread_id,
            as_of=as_of,
            due_soon_days=settings.due_soon_days,
            schedule=Schedule.from_settings(settings),
        )
        if not context["invoices"]:
            return context, None
        return context, risk.assess(session, context=context, settings=settings)
