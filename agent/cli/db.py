"""``paytrack db``: schema migrations."""

from __future__ import annotations

import typer

from agent.cli.context import console
from agent.db import engine_from_settings
from agent.schema import current_revisions, upgrade
from agent.settings import load_settings

app = typer.Typer(help="Database schema management.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command() -> None:
    """Apply every pending migration to the configured database."""
    settings = load_settings()
    engine = engine_from_settings(settings)
    upgrade(engine)
    revisions = ", ".join(sorted(current_revisions(engine)))
    console.print(f"database at revision {revisions}: {engine.url!r}")
    engine.dispose()


@app.command("current")
def current_command() -> None:
    """Print the schema revision the database is at."""
    engine = engine_from_settings(load_settings())
    revisions = ", ".join(sorted(current_revisions(engine)))
    console.print(revisions or "empty (run `paytrack db upgrade`)")
    engine.dispose()


@app.command("prune")
def prune_command() -> None:
    """Delete finished rows older than the retention settings (PAYTRACK_RETENTION_*_DAYS)."""
    from agent.services.retention.worker import prune

    settings = load_settings()
    engine = engine_from_settings(settings)
    pruned = prune(engine, settings=settings)
    engine.dispose()
    console.print(
        f"pruned {pruned.score_history} periodic risk scores, {pruned.notifications} "
        f"notifications, {pruned.webhook_deliveries} webhook deliveries, "
        f"{pruned.outbox_messages} outbox messages, {pruned.checkpoint_threads} agent threads"
    )
