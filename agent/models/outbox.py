"""The transactional e-mail outbox: one row per message to send, written with the decision."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from agent.models.base import JSONType, UTCDateTime, utcnow


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    # The sender died after the server may have accepted the message: a person decides.
    UNCONFIRMED = "unconfirmed"
    FAILED = "failed"
    # The send-time check found the ledger moved on: a person decides (see hold_reason).
    HELD = "held"
    # Withdrawn before it left: nothing owed any more, or a person cancelled it.
    CANCELLED = "cancelled"


class SendPhase(StrEnum):
    """How far the last attempt got; decides whether an expired attempt may be repeated."""

    CLAIMED = "claimed"
    COMMITTING = "committing"


class OutboxMessage(SQLModel, table=True):
    """A message and its delivery state. ``dedupe_key`` makes enqueueing idempotent."""

    __tablename__ = "outbox_message"

    id: int = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True)
    draft_id: int | None = Field(default=None, foreign_key="draft.id", index=True)
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    message_id: str = Field(max_length=300, unique=True)
    from_addr: str = Field(sa_type=Text)
    to_addrs: list[str] = Field(default_factory=list, sa_type=JSONType)
    reply_to: str | None = Field(default=None, sa_type=Text)
    subject: str = Field(sa_type=Text)
    text_body: str = Field(sa_type=Text)
    html_body: str = Field(sa_type=Text)
    in_reply_to: str | None = Field(default=None, max_length=300)
    references: list[str] = Field(default_factory=list, sa_type=JSONType)
    attachments: list[str] = Field(default_factory=list, sa_type=JSONType)
    invoice_ids: list[int] = Field(default_factory=list, sa_type=JSONType)
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_type=String(16), index=True)
    send_after: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    attempts: int = 0
    phase: SendPhase | None = Field(default=None, sa_type=String(16))
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    transport: str | None = Field(default=None, max_length=16)
    delivered_to: str | None = Field(default=None, sa_type=Text)
    hold_reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
