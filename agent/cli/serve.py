"""``paytrack serve``: the HTTP app with the daily sweep running in-process."""

from __future__ import annotations

import typer
import uvicorn

from agent.cli.context import console
from agent.settings import load_settings


def register(root: typer.Typer) -> None:
    root.command("serve")(serve_command)


def serve_command(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    no_schedule: bool = typer.Option(
        False, "--no-schedule", help="Do not run the daily sweep in this process."
    ),
) -> None:
    """Serve the HTTP API and run the daily sweep at PAYTRACK_MONITOR_DAILY_AT."""
    from api import heap
    from api.app import create_app

    settings = load_settings()
    app = create_app(settings, run_schedule=not no_schedule)
    if not no_schedule:
        console.print(
            f"daily sweep at {settings.monitor_daily_at} {settings.monitor_timezone}", markup=False
        )
        if settings.imap_url:
            from agent.services.replies.worker import redacted

            console.print(
                f"reading replies from {redacted(settings.imap_url)} every "
                f"{settings.imap_poll_seconds:g} s",
                markup=False,
            )
    heap.settle()
    uvicorn.run(app, host=host, port=port, log_level="info")
