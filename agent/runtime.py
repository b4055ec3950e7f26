"""Wiring the agent from settings: checkpointer, drafting kit, graph pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy.engine import Engine

from agent.checkpoint import open_checkpointer
from agent.db import session_scope
from agent.errors import InsufficientHistory
from agent.graph import AgentDeps, GraphPipeline
from agent.services.notices import notifications
from agent.services.reminders import sweeps
from agent.services.scoring import model_health
from agent.services.scoring.model_health import ModelHealth
from agent.settings import Settings
from agent.tools.drafting import DraftingKit


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
    """The monitoring job: refresh the open invoices' risk scores, then sweep with them."""
    if score:
        from agent.services.scoring import risk_scoring  # pandas and scikit-learn load only here

        keep_model_fresh(engine, settings, today=as_of)
        with session_scope(engine) as session:
            risk_scoring.score_open(session, settings=settings, as_of=as_of, trigger="sweep")
    with open_pipeline(engine, settings) as pipeline:
        return sweeps.run(engine, as_of=as_of, settings=settings, pipeline=pipeline)


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
