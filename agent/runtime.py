"""Wiring the agent from settings: checkpointer, drafting kit, graph pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine

from agent.checkpoint import open_checkpointer
from agent.graph import AgentDeps, GraphPipeline
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
