"""What every command needs: settings, a migrated engine, a transaction, and error output."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import typer
from rich.console import Console
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from agent.db import engine_from_settings, is_contention, session_scope
from agent.errors import ImportRejected, PaytrackError
from agent.schema import is_current, upgrade
from agent.services.scoring import worker as rescoring
from agent.settings import Settings, load_settings

console = Console()
err_console = Console(stderr=True)


def ready_engine(settings: Settings) -> Engine:
    """The configured database, migrated. SQLite upgrades itself; PostgreSQL must be upgraded."""
    engine = engine_from_settings(settings)
    if engine.url.get_backend_name() == "sqlite":
        upgrade(engine)
        return engine
    if not is_current(engine):
        err_console.print(
            "[red]error:[/red] the database schema is not up to date; run `paytrack db upgrade`"
        )
        raise typer.Exit(2)
    return engine


@contextmanager
def command_session() -> Iterator[tuple[Session, Settings]]:
    """One transaction for one command, with service errors turned into clear messages."""
    settings = load_settings()
    engine = ready_engine(settings)
    try:
        with session_scope(engine) as session:
            yield session, settings
        # Re-scores the command asked for, after its commit (a no-op when it asked for none).
        rescoring.drain(engine, settings=settings)
    except ImportRejected as exc:
        err_console.print(f"[red]error:[/red] {exc.message}")
        for problem in exc.problems:
            err_console.print(f"  {problem}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    except PaytrackError as exc:
        where = f" ({exc.field})" if exc.field else ""
        err_console.print(f"[red]error{where}:[/red] {exc.message}", highlight=False)
        raise typer.Exit(2) from None
    except OperationalError as exc:
        if not is_contention(exc):
            raise
        err_console.print("[red]error:[/red] the database stayed busy; nothing was stored, retry")
        raise typer.Exit(75) from None  # EX_TEMPFAIL
    finally:
        engine.dispose()


def as_of_or_today(value: date | None) -> date:
    return value or date.today()
