"""The FastAPI application factory; ``paytrack serve`` runs it with the daily sweep."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime

from fastapi import FastAPI

from agent import runtime
from agent.cli.context import ready_engine
from agent.runtime import daily_sweep
from agent.scheduler import DailySweep, parse_daily_at
from agent.services.access import worker as access_worker
from agent.services.reminders import sweeps
from agent.services.replies.worker import ImapPoller
from agent.services.reporting.report_cache import ReportCache
from agent.services.review import outbox
from agent.services.scoring.worker import RescoreLoop
from agent.settings import Settings
from agent.wal_checkpoints import WalCheckpointer
from api import dashboard, pages, problems, v1
from api.routes import health


def create_app(settings: Settings, *, run_schedule: bool = True) -> FastAPI:
    """The app for ``settings``; with ``run_schedule`` the sweep runs daily in-process."""
    engine = ready_engine(settings)

    def sweep_today(day: date) -> sweeps.SweepReport | None:
        # Housekeeping first, so a failing sweep never lets the tables grow.
        access_worker.prune_expired(engine)
        return daily_sweep(engine, settings, day=day)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        schedule = DailySweep(
            sweep_today,
            daily_at=parse_daily_at(settings.monitor_daily_at),
            timezone=settings.monitor_timezone,
            clock=lambda: datetime.now(UTC),
        )
        app.state.schedule = schedule
        app.state.daily_job = sweep_today
        sender = outbox.SenderLoop(engine, settings, sender=runtime.send_pass)
        rescorer = RescoreLoop(engine, settings)
        mailbox = ImapPoller(engine, settings) if settings.imap_url else None
        checkpointer = WalCheckpointer(engine)
        checkpointer.start()
        if run_schedule:
            schedule.start()
            sender.start()
            rescorer.start()
            if mailbox is not None:
                mailbox.start()
        try:
            yield
        finally:
            if run_schedule:
                rescorer.stop()
                if mailbox is not None:
                    mailbox.stop()
                sender.stop()
                schedule.stop()
            checkpointer.stop()
            engine.dispose()

    app = FastAPI(
        title="paytrack",
        version="0.1.0",
        description="Accounts receivable that follows up for you.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.report_cache = ReportCache()
    problems.install(app)
    pages.errors.install(app)
    app.include_router(health.router)
    app.include_router(v1.router)
    v1.install(app, run_deliverer=run_schedule)
    app.include_router(pages.router)
    app.include_router(dashboard.router)
    return app
