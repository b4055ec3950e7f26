"""An invoice handed to its owner for collection once the reminder ladder has run out."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from agent.models.base import UTCDateTime, utcnow


class CollectionCase(SQLModel, table=True):
    """One per invoice, ever: the sweep opens it with a task; nothing is sent to anyone."""

    __tablename__ = "collection_case"

    id: int = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", unique=True)
    owner_id: int = Field(foreign_key="user.id", index=True)
    task_id: int | None = Field(default=None, foreign_key="follow_up_task.id")
    last_reminder_date: date
    opened_date: date
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
