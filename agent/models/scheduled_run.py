"""One row per scheduled job and day: the daily sweep runs once a day however many servers run."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from agent.models.base import UTCDateTime, utcnow


class ScheduledRun(SQLModel, table=True):
    """A claim on ``job`` for ``run_date``; ``finished_at`` is set when the run completed."""

    __tablename__ = "scheduled_run"
    __table_args__ = (UniqueConstraint("job", "run_date"),)

    id: int = Field(default=None, primary_key=True)
    job: str = Field(max_length=64)
    run_date: date
    holder: str = Field(max_length=200)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
