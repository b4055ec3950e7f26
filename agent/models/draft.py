"""A reminder draft awaiting a person's decision, and the invoices it lists."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from agent.models.base import JSONType, UTCDateTime, enum_column, utcnow


class DraftStatus(StrEnum):
    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    SENT = "sent"
    # Approved, then stopped before it left (the send-time check or a person); see the outbox.
    HELD = "held"
    CANCELLED = "cancelled"
    # Pending, then no longer true (paid, disputed, changed): withdrawn by the sweep, with why.
    WITHDRAWN = "withdrawn"


class Tone(StrEnum):
    FRIENDLY = "friendly"
    FORMAL = "formal"
    FIRM = "firm"


class DraftBase(SQLModel):
    client_id: int = Field(foreign_key="client.id", index=True)
    owner_id: int = Field(foreign_key="user.id", index=True)
    milestone: str = Field(max_length=32)
    tone: Tone = Field(sa_type=enum_column(Tone, 16))
    tone_reason: str = Field(sa_type=Text)
    language: str = Field(max_length=8)
    subject: str = Field(sa_type=Text)
    body: str = Field(sa_type=Text)
    status: DraftStatus = Field(
        default=DraftStatus.PENDING_REVIEW, sa_type=enum_column(DraftStatus, 20), index=True
    )
    risk_snapshot: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    suggested_send_at: datetime = Field(sa_type=UTCDateTime)
    drafter: str = Field(max_length=16, description="'llm' or 'template'.")
    model: str = Field(max_length=100)
    prompt_version: str = Field(max_length=40)
    fallback_reason: str | None = Field(default=None, sa_type=Text)
    broken_promise_date: date | None = None
    sweep_date: date


class Draft(DraftBase, table=True):
    id: int = Field(default=None, primary_key=True)
    thread_id: str = Field(max_length=100, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    decision_note: str | None = Field(default=None, sa_type=Text)
    final_subject: str | None = Field(default=None, sa_type=Text)
    final_body: str | None = Field(default=None, sa_type=Text)
    # Hidden from the queue until this day; the draft stays pending (and blocks new drafts).
    snoozed_until: date | None = None
    superseded_by_id: int | None = Field(default=None, foreign_key="draft.id")


class DraftInvoice(SQLModel, table=True):
    """One invoice listed in a draft, with the facts the draft stated about it."""

    __tablename__ = "draft_invoice"
    __table_args__ = (UniqueConstraint("draft_id", "invoice_id"),)

    id: int = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="draft.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    milestone: str = Field(max_length=32)
    outstanding_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    due_date: date
    days_overdue: int
    invoice_version: int


class MilestoneClaim(SQLModel, table=True):
    """The exactly-once guard: one row per invoice, milestone and due date, ever.

    A sweep inserts the claim before drafting; a second sweep (or a second machine) hits the
    unique constraint and leaves the invoice alone. The due date is part of the key so that an
    extension restarts the schedule for the new due date.
    """

    __tablename__ = "milestone_claim"
    __table_args__ = (UniqueConstraint("invoice_id", "milestone", "due_date"),)

    id: int = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    milestone: str = Field(max_length=32)
    due_date: date
    sweep_date: date
    thread_id: str = Field(max_length=100, index=True)
    draft_id: int | None = Field(default=None, foreign_key="draft.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The sweep drafting this thread holds it until then; only after that is it abandoned.
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
