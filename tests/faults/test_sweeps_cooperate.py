"""Sweeps that overlap or die: a thread is redrafted only after its lease ran out, never twice.

Claims carry a lease; a live sweep's threads are left alone, a killed sweep's threads are taken
over once the lease expires, concurrent sweeps take each abandoned thread exactly once, and
every report counts only the drafts that sweep stored.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.db import make_engine, session_scope
from agent.models.base import utcnow
from agent.models.draft import Draft, MilestoneClaim
from agent.services.reminders import sweeps
from agent.settings import Settings
from tests.factories import make_client, make_invoice, make_user
from tests.faults.helpers import at_once
from tests.services.reminders.test_sweeps import DUE, StoringPipeline

DAY = DUE + timedelta(days=3)


def seed(engine: Engine, clients: int) -> None:
    with session_scope(engine) as session:
        owner = make_user(session)
        for n in range(clients):
            client = make_client(session, name=f"Sweep client {n}")
            make_invoice(
                session, client=client, owner=owner, issue_date=date(2026, 1, 1), due_date=DUE
            )


def drafts(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [d.thread_id for d in session.exec(select(Draft))]


class CountingPipeline(StoringPipeline):
    """A slow drafter (a model call) that counts how often each thread was started."""

    lock = threading.Lock()

    def start(self, *, thread_id: str, as_of: date, new: bool = False) -> int | None:
        time.sleep(0.05)
        with self.lock:
            return super().start(thread_id=thread_id, as_of=as_of, new=new)


class Stalled:
    """A drafter that is still working when the next sweep looks (it never stores)."""

    def __init__(self) -> None:
        self.threads: list[str] = []

    def start(self, *, thread_id: str, as_of: date, new: bool = False) -> int | None:
        self.threads.append(thread_id)
        return None


def test_a_live_sweeps_thread_is_left_alone_until_its_lease_expires(
    engine: Engine, settings: Settings
) -> None:
    seed(engine, 1)
    now = utcnow()
    stalled = Stalled()
    sweeps.run(engine, as_of=DAY, settings=settings, pipeline=stalled, now=now)
    second = StoringPipeline(engine, settings)
    early = sweeps.run(engine, as_of=DAY, settings=settings, pipeline=second, now=now)
    assert (early.drafts_created, early.resumed_threads, second.threads) == (0, 0, [])
    later = now + timedelta(seconds=settings.sweep_lease_seconds + 1)
    late = sweeps.run(engine, as_of=DAY, settings=settings, pipeline=second, now=later)
    assert (late.drafts_created, late.resumed_threads) == (1, 1)
    assert second.threads == stalled.threads
    assert drafts(engine) == stalled.threads


@pytest.mark.parametrize("batch", [1, 2])
def test_a_killed_sweeps_threads_wait_for_the_lease_then_are_drafted_once(
    engine: Engine, settings: Settings, database_url: str, tmp_path: Path, batch: int
) -> None:
    """Killed while drafting the first client: the claims of its batch wait for the lease,
    the clients after the batch are drafted by the next sweep, each thread exactly once."""
    seed(engine, 3)
    settings = settings.model_copy(update={"sweep_batch_clients": batch})
    command = [
        sys.executable,
        "-m",
        "tests.faults.dying_sweep",
        database_url,
        str(tmp_path),
        DAY.isoformat(),
    ]
    died = subprocess.run(
        command,
        cwd=Path(__file__).parents[2],
        capture_output=True,
        timeout=120,
        env={**os.environ, "PAYTRACK_SWEEP_BATCH_CLIENTS": str(batch)},
    )
    assert died.returncode == -signal.SIGKILL, died.stderr.decode()
    with Session(engine) as session:
        held = session.exec(select(MilestoneClaim)).all()
    assert len(held) == batch and all(claim.draft_id is None for claim in held)
    pipeline = StoringPipeline(engine, settings)
    now = utcnow()
    fresh = sweeps.run(engine, as_of=DAY, settings=settings, pipeline=pipeline, now=now)
    assert (fresh.resumed_threads, fresh.drafts_created) == (0, 3 - batch)
    later = now + timedelta(seconds=settings.sweep_lease_seconds + 1)
    late = sweeps.run(engine, as_of=DAY, settings=settings, pipeline=pipeline, now=later)
    assert (late.resumed_threads, late.drafts_created) == (batch, batch)
    assert sorted(drafts(engine)) == sorted(set(pipeline.threads)) and len(drafts(engine)) == 3
    assert all(pipeline.threads.count(claim.thread_id) == 1 for claim in held)


def test_eight_concurrent_sweeps_take_each_abandoned_thread_once(
    engine: Engine, settings: Settings
) -> None:
    seed(engine, 12)

    class Crashing:
        def start(self, *, thread_id: str, as_of: date, new: bool = False) -> int | None:
            raise RuntimeError("model timed out")

    crashed = sweeps.run(engine, as_of=DAY, settings=settings, pipeline=Crashing())
    assert len(crashed.failures) == 12  # released at once: the next sweeps may retry them
    url = engine.url.render_as_string(hide_password=False)
    pipelines: list[CountingPipeline] = []

    def one_sweep() -> sweeps.SweepReport:
        own = make_engine(url)
        try:
            pipeline = CountingPipeline(own, settings)
            pipelines.append(pipeline)
            return sweeps.run(own, as_of=DAY, settings=settings, pipeline=pipeline)
        finally:
            own.dispose()

    reports = at_once([one_sweep] * 8)
    started = [t for p in pipelines for t in p.threads]
    assert len(started) == len(set(started)) == 12  # no thread drafted twice, no extra calls
    assert sum(r.drafts_created for r in reports) == 12 == len(drafts(engine))
    assert sum(r.resumed_threads for r in reports) == 12
    assert all(r.failures == [] for r in reports)
