"""Migrations and models agree, and every migration can be undone and redone."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import agent.models  # noqa: F401  (every table on the metadata)
from agent.migrations.filters import include_name
from agent.schema import alembic_config, current_revisions, head_revisions, upgrade


def test_models_match_the_migrated_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": False, "include_name": include_name}
        )
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_downgrade_to_empty_and_back(engine: Engine) -> None:
    assert current_revisions(engine) == head_revisions()
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert current_revisions(engine) == frozenset()
    upgrade(engine)
    assert current_revisions(engine) == head_revisions()
