"""Internal messages to an invoice's owner, and the follow-up tasks an escalation opens."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from agent.models.base import JSONType, UTCDateTime, enum_column, utcnow


class NotificationKind(StrEnum):
    DUE_SOON = "due_soon"
    NEWLY_OVERDUE = "newly_overdue"
    NO_FOLLOW_UP = "no_follow_up"
    ESCALATION = "escalation"
    REASSIGNED = "reassigned"
    REMINDER_HELD = "reminder_held"
    MODEL_STALE = "model_stale"


class Notification(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="user.id", index=True)
    kind: NotificationKind = Field(sa_type=enum_column(NotificationKind, 20))
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id", index=True)
    message: str = Field(sa_type=Text)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    # One notification per kind, invoice and due date, however often the sweep runs.
    dedupe_key: str = Field(max_length=200, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    emailed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dismissed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when the cause is gone (the invoice was paid, a reminder was approved).
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class FollowUpTask(SQLModel, table=True):
    """A person must act: the automatic reminders have run out for this invoice."""

    __tablename__ = "follow_up_task"

    id: int = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    owner_id: int = Field(foreign_key="user.id", index=True)
    reason: str = Field(sa_type=Text)
    due_date: date
    status: TaskStatus = Field(default=TaskStatus.OPEN, sa_type=enum_column(TaskStatus, 10))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    close_note: str | None = Field(default=None, sa_type=Text)
    closed_by: str | None = Field(default=None, max_length=200)
