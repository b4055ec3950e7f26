"""Once a day between servers: a finished day is skipped, a held lock is skipped, a dead run is
taken over on PostgreSQL (its lock died with it)."""

from __future__ import annotations

import zlib
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.db import session_scope
from agent.models.scheduled_run import ScheduledRun
from agent.services.reminders.daily_worker import run_once_a_day

DAY = date(2026, 3, 9)


def test_runs_once_for_a_day_and_again_the_next(engine: Engine) -> None:
    calls: list[date] = []

    def job(day: date) -> int:
        calls.append(day)
        return len(calls)

    assert run_once_a_day(engine, job="j", day=DAY, run=lambda: job(DAY)) == 1
    assert run_once_a_day(engine, job="j", day=DAY, run=lambda: job(DAY)) is None
    assert run_once_a_day(engine, job="j", day=date(2026, 3, 10), run=lambda: job(DAY)) == 2
    assert calls == [DAY, DAY]


def test_an_unfinished_run_is_taken_over_only_where_a_lock_proves_its_holder_dead(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        session.add(ScheduledRun(job="j", run_date=DAY, holder="dead:1"))
    result = run_once_a_day(engine, job="j", day=DAY, run=lambda: "ran")
    with Session(engine) as session:
        row = session.exec(select(ScheduledRun)).one()
    if engine.dialect.name == "postgresql":
        assert result == "ran" and row.finished_at is not None and row.holder != "dead:1"
    else:
        assert result is None and row.finished_at is None


def test_a_held_advisory_lock_means_another_server_is_running_it(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("advisory locks exist on PostgreSQL only")

    key = zlib.crc32(b"paytrack:j")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as other:
        other.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        assert run_once_a_day(engine, job="j", day=DAY, run=lambda: "ran") is None
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    assert run_once_a_day(engine, job="j", day=DAY, run=lambda: "ran") == "ran"
