"""Append-only history of everything that happened to an invoice."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Field, SQLModel

from agent.models.base import JSONType, UTCDateTime, utcnow


class EventKind(StrEnum):
    CREATED = "created"
    IMPORTED = "imported"
    UPDATED = "updated"
    SENT = "sent"
    PAYMENT_RECORDED = "payment_recorded"
    PAID = "paid"
    WRITTEN_OFF = "written_off"
    VOIDED = "voided"
    DUE_DATE_EXTENDED = "due_date_extended"
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_RESOLVED = "dispute_resolved"
    PROMISE_RECORDED = "promise_recorded"
    OWNER_REASSIGNED = "owner_reassigned"
    NOTE_ADDED = "note_added"
    REMINDERS_PAUSED = "reminders_paused"
    REMINDERS_RESUMED = "reminders_resumed"
    REMINDER_DRAFTED = "reminder_drafted"
    REMINDER_APPROVED = "reminder_approved"
    REMINDER_REJECTED = "reminder_rejected"
    REMINDER_SENT = "reminder_sent"
    REMINDER_HELD = "reminder_held"
    REMINDER_CANCELLED = "reminder_cancelled"
    REMINDER_REQUEUED = "reminder_requeued"
    PAYMENT_REVERSED = "payment_reversed"
    REMINDER_WITHDRAWN = "reminder_withdrawn"
    CHARGES_CLAIMED = "charges_claimed"
    CHARGES_PAID = "charges_paid"
    COLLECTION_HANDOVER = "collection_handover"
    REPLY_RECEIVED = "reply_received"
    REPLY_HANDLED = "reply_handled"


class InvoiceEvent(SQLModel, table=True):
    """One fact in an invoice's history. Rows are only ever inserted."""

    __tablename__ = "invoice_event"

    id: int = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    kind: str = Field(max_length=40, index=True)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=200)
    actor_user_id: int | None = Field(default=None, foreign_key="user.id")
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
