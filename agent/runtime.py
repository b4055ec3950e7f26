"""Wiring the agent from settings: checkpointer, drafting kit, graph pipeline."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Engine

from agent.checkpoint import open_checkpointer
from agent.db import session_scope
from agent.errors import InsufficientHistory
from agent.graph import AgentDeps, GraphPipeline
from agent.models import User
from agent.models.draft import Tone
from agent.services.notices import notifications
from agent.services.reminders import daily_worker, sweeps
from agent.services.retention import worker as retention
from agent.services.review import fresh, outbox, reviews
from agent.services.scoring import model_health
from agent.services.scoring.model_health import ModelHealth
from agent.settings import Settings
from agent.tools.drafting import DraftingKit

log = logging.getLogger(__name__)


@contextmanager
def open_pipeline(
    engine: Engine, settings: Settings, *, drafting: DraftingKit | None = None
) -> Iterator[GraphPipeline]:
    """The reminder pipeline with its checkpointer open; the LLM only when a key is set."""
    kit = drafting or DraftingKit.from_settings(settings)
    with open_checkpointer(engine) as checkpointer:
        yield GraphPipeline(AgentDeps(engine=engine, settings=settings, drafting=kit), checkpointer)


def score_then_sweep(
    engine: Engine, settings: Settings, *, as_of: date, score: bool = True
) -> sweeps.SweepReport:
    """The monitoring job: refresh the open invoices' risk scores, sweep with them, prune."""
    if score:
        from agent.services.scoring import risk_scoring  # pandas and scikit-learn load only here

        keep_model_fresh(engine, settings, today=as_of)
        with session_scope(engine) as session:
            risk_scoring.score_open_batches(
                session, settings=settings, as_of=as_of, on_batch=_drop, trigger="sweep"
            )
    with open_pipeline(engine, settings) as pipeline:
        report = sweeps.run(engine, as_of=as_of, settings=settings, pipeline=pipeline)
    retention.prune(engine, settings=settings)
    return report


def _drop(_scores: list[Any]) -> None:
    """The sweep reads the stored scores; it keeps none of them in memory."""


def daily_sweep(engine: Engine, settings: Settings, *, day: date) -> sweeps.SweepReport | None:
    """The scheduled sweep for ``day``, once between every server sharing the database."""
    return daily_worker.run_once_a_day(
        engine,
        job="daily-sweep",
        day=day,
        run=lambda: score_then_sweep(engine, settings, as_of=day),
    )


def _resume(pipeline: GraphPipeline, *, thread_id: str, decision: dict[str, Any]) -> bool:
    if pipeline.state(thread_id=thread_id).get("outcome") != "pending_review":
        return False
    pipeline.resume(thread_id=thread_id, decision=decision)
    return True


def resume_thread(engine: Engine, *, draft_id: int, settings: Settings) -> bool:
    """Resume the draft's paused agent thread with its stored decision (after the commit).

    Returns False when there was nothing to resume (still pending, already resumed, or no
    agent thread).
    """
    stored = reviews.stored_decision(engine, draft_id=draft_id)
    if stored is None:
        return False
    thread_id, payload = stored
    with open_pipeline(engine, settings) as pipeline:
        return _resume(pipeline, thread_id=thread_id, decision=payload)


def redraft(
    engine: Engine,
    *,
    draft_id: int,
    viewer: User,
    settings: Settings,
    tone: Tone | None = None,
    as_of: date | None = None,
) -> int:
    """Supersede a pending draft and let the agent draft its invoices again; the new id."""
    started = reviews.begin_redraft(
        engine, draft_id=draft_id, viewer=viewer, settings=settings, tone=tone, as_of=as_of
    )
    with open_pipeline(engine, settings) as pipeline:
        _resume(pipeline, thread_id=started.old_thread, decision={"decision": "superseded"})
        new_id = pipeline.start(
            thread_id=started.new_thread, as_of=started.as_of, tone=started.tone
        )
    return reviews.finish_redraft(engine, draft_id=draft_id, new_id=new_id)


def keep_model_fresh(engine: Engine, settings: Settings, *, today: date) -> ModelHealth:
    """Tell the admins when the risk model went stale; retrain it when settings say so."""
    from agent.services.scoring import risk_scoring  # pandas and scikit-learn load only here

    with session_scope(engine) as session:
        health = model_health.check(session, settings=settings, today=today)
        if health.stale and health.version is not None:
            notifications.notify_model_stale(session, health=health)
    if health.stale and settings.risk_auto_retrain:
        try:
            with session_scope(engine) as session:
                risk_scoring.train(session, settings=settings)
        except InsufficientHistory:
            return health
        with session_scope(engine) as session:
            return model_health.check(session, settings=settings, today=today)
    return health


def prepare_fresh_draft(
    engine: Engine, *, draft_id: int, settings: Settings, as_of: date
) -> int | None:
    """The agent drafts anew what is still owed on a held draft; None when nothing is."""
    with session_scope(engine) as session:
        thread_id = fresh.claim_fresh_thread(
            session, draft_id=draft_id, as_of=as_of, due_soon_days=settings.due_soon_days
        )
    if thread_id is None:
        return None
    with open_pipeline(engine, settings) as pipeline:
        fresh_id = pipeline.start(thread_id=thread_id, as_of=as_of, new=True)
    if fresh_id is not None:
        with session_scope(engine) as session:
            fresh.link(session, draft_id=draft_id, fresh_id=fresh_id)
    return fresh_id


def send_pass(
    engine: Engine,
    *,
    settings: Settings,
    transport: outbox.Transport | None = None,
    now: datetime | None = None,
) -> outbox.DeliveryReport:
    """One sender pass, then a fresh draft for review of every held message still owed."""
    report = outbox.send_pass(engine, settings=settings, transport=transport, now=now)
    for draft_id in report.held_drafts:
        try:
            prepare_fresh_draft(engine, draft_id=draft_id, settings=settings, as_of=date.today())
        except Exception as exc:  # the held message stays visible; a person can redraft it
            log.exception("no fresh draft for held draft %s", draft_id)
            report.errors.append(f"draft {draft_id}: no fresh draft ({exc})")
    return report
