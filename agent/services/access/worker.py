"""Housekeeping the running server does: forget expired web sessions and idempotency records.

A worker: it takes the engine and owns its transaction; the rules stay in ``web_sessions`` and
``idempotency``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from agent.db import session_scope
from agent.services.access import idempotency, web_sessions


@dataclass(frozen=True)
class Pruned:
    web_sessions: int
    idempotency_records: int


def prune_expired(engine: Engine) -> Pruned:
    """Delete what is past its retention, in one short transaction."""
    with session_scope(engine) as session:
        return Pruned(
            web_sessions=web_sessions.prune(session),
            idempotency_records=idempotency.purge_expired(session),
        )
