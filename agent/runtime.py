"""Wiring the agent from settings: checkpointer, drafting kit, graph pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy.engine import Engine

from agent.checkpoint import open_checkpointer
from agent.db import session_scope
from agent.graph import AgentDeps, GraphPipeline
from agent.services.reminders import daily_worker, sweeps
from agent.services.retention import worker as retention
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
    """The monitoring job: refresh the open invoices' risk scores, sweep with them, prune."""
    if score:
        from agent.services.scoring import risk_scoring  # pandas and scikit-learn load only here

        with session_scope(engine) as session:
            risk_scoring.score_open(session, settings=settings, as_of=as_of, trigger="sweep")
    with open_pipeline(engine, settings) as pipeline:
        report = sweeps.run(engine, as_of=as_of, settings=settings, pipeline=pipeline)
    retention.prune(engine, settings=settings)
    return report


def daily_sweep(engine: Engine, settings: Settings, *, day: date) -> sweeps.SweepReport | None:
    """The scheduled sweep for ``day``, once between every server sharing the database."""
    return daily_worker.run_once_a_day(
        engine,
        job="daily-sweep",
        day=day,
        run=lambda: score_then_sweep(engine, settings, as_of=day),
    )
