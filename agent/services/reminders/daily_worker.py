"""Scheduled jobs that run once a day however many ``paytrack serve`` processes share a database.

Each server's schedule fires at the same local time. On PostgreSQL the first to take a session
advisory lock runs the job; the others skip it. A ``scheduled_run`` row per job and day then
records the run, so a server whose clock fires later that day skips it too. The lock dies with
its connection, so a server killed mid-run leaves an unfinished row the next lock holder that
day takes over. SQLite has no advisory locks: the row alone (claimed under its write lock)
decides, and a run left unfinished by a crash is not retried that day.
"""

from __future__ import annotations

import logging
import os
import socket
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from agent.db import hold_write_lock, session_scope
from agent.models.base import utcnow
from agent.models.scheduled_run import ScheduledRun

log = logging.getLogger(__name__)
T = TypeVar("T")


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def run_once_a_day(engine: Engine, *, job: str, day: date, run: Callable[[], T]) -> T | None:
    """``run()`` unless another process runs or ran ``job`` for ``day``; None when skipped."""
    with _exclusive(engine, job) as acquired:
        if not acquired or not _claim(engine, job=job, day=day):
            log.info("%s for %s runs elsewhere; skipped here", job, day)
            return None
        result = run()
        _finish(engine, job=job, day=day)
        return result


@contextmanager
def _exclusive(engine: Engine, job: str) -> Iterator[bool]:
    """A PostgreSQL session advisory lock named after ``job``, held for the block."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = zlib.crc32(f"paytrack:{job}".encode())
    # Autocommit: the lock belongs to the connection, not to a transaction left open for hours.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        acquired = bool(
            connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        )
        try:
            yield acquired
        finally:
            if acquired:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


def _claim(engine: Engine, *, job: str, day: date) -> bool:
    try:
        with session_scope(engine) as session:
            hold_write_lock(session)
            row = session.exec(
                select(ScheduledRun).where(ScheduledRun.job == job, ScheduledRun.run_date == day)
            ).first()
            if row is None:
                session.add(ScheduledRun(job=job, run_date=day, holder=holder_name()))
                return True
            # Under the advisory lock an unfinished row belongs to a holder that died.
            if row.finished_at is None and engine.dialect.name == "postgresql":
                log.warning(
                    "%s for %s was left unfinished by %s; taking over", job, day, row.holder
                )
                row.holder, row.started_at = holder_name(), utcnow()
                return True
            return False
    except IntegrityError:  # another process claimed the day between our read and insert
        return False


def _finish(engine: Engine, *, job: str, day: date) -> None:
    with session_scope(engine) as session:
        row = session.exec(
            select(ScheduledRun).where(ScheduledRun.job == job, ScheduledRun.run_date == day)
        ).one()
        row.finished_at = utcnow()
