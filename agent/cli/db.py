"""``paytrack db``: schema migrations, and copying a whole database to another."""

from __future__ import annotations

import typer

from agent.cli.context import console, err_console, ready_engine
from agent.db import engine_from_settings, make_engine
from agent.db_copy import copy_database
from agent.errors import PaytrackError
from agent.money import format_plain
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


@app.command("copy")
def copy_command(
    to: str = typer.Option(..., "--to", help="Target URL, e.g. postgresql+psycopg://u@host/db."),
) -> None:
    """Copy the whole configured database into an empty one, then verify counts and totals."""
    settings = load_settings()
    source = ready_engine(settings)
    target = make_engine(to, busy_timeout_seconds=settings.database_busy_timeout_seconds)
    try:
        upgrade(target)
        report = copy_database(source, target)
    except PaytrackError as exc:
        err_console.print(f"[red]error:[/red] {exc.message}", highlight=False)
        raise typer.Exit(2) from None
    finally:
        source.dispose()
        target.dispose()
    copied = sum(report.rows.values())
    console.print(f"copied {copied} rows in {len(report.rows)} tables to {target.url!r}")
    for label, sums in (("invoiced", report.invoiced), ("paid", report.paid)):
        for currency, minor in sorted(sums.items()):
            console.print(f"  {label} {format_plain(minor, currency)} (verified)", highlight=False)


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
