"""A client's e-mail answer to a reminder, what it says, and what a person decided about it."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from agent.models.base import JSONType, UTCDateTime, enum_column, utcnow


class Intent(StrEnum):
    PROMISE_TO_PAY = "promise_to_pay"
    DISPUTE = "dispute"
    CLAIMS_PAID = "claims_paid"
    REQUEST_COPY = "request_copy"
    QUESTION = "question"
    AUTO_REPLY = "auto_reply"
    OTHER = "other"


class ProposedAction(StrEnum):
    """What paytrack proposes to do about a reply; a person accepts, edits or ignores it."""

    RECORD_PROMISE = "record_promise"
    OPEN_DISPUTE = "open_dispute"
    FIND_PAYMENT = "find_payment"
    SEND_COPY = "send_copy"
    ACKNOWLEDGE = "acknowledge"
    NONE = "none"


class ReplyStatus(StrEnum):
    # A human reply waiting for a person: the client's reminders are paused meanwhile.
    PENDING = "pending"
    ACCEPTED = "accepted"
    IGNORED = "ignored"
    # An out-of-office: nothing for a person to do.
    AUTOMATIC = "automatic"


class MatchMethod(StrEnum):
    THREAD = "thread"
    REFERENCE = "reference"
    ASSIGNED = "assigned"
    UNMATCHED = "unmatched"


class Reply(SQLModel, table=True):
    """One inbound message, stored once (``message_key``: its Message-ID, else a content hash)."""

    id: int = Field(default=None, primary_key=True)
    message_key: str = Field(max_length=300, unique=True)
    message_id: str | None = Field(default=None, max_length=300)
    in_reply_to: str | None = Field(default=None, max_length=300)
    references: list[str] = Field(default_factory=list, sa_type=JSONType)
    from_addr: str = Field(max_length=320, index=True)
    from_name: str | None = Field(default=None, max_length=300)
    subject: str = Field(sa_type=Text)
    # The new text only (quoted history stripped); HTML is reduced to text, never kept to render.
    text: str = Field(sa_type=Text)
    quoted_text: str = Field(default="", sa_type=Text)
    html_only: bool = False
    size_bytes: int = 0
    sent_at: datetime = Field(sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    source: str = Field(max_length=16, description="'imap', 'file' or 'api'.")
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    match_method: MatchMethod = Field(sa_type=enum_column(MatchMethod, 16))
    is_automatic: bool = False
    # An out-of-office's return day: nothing is drafted or sent to the client before it.
    postpone_until: date | None = None
    intent: Intent = Field(sa_type=enum_column(Intent, 20), index=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    confidence: float = 0.0
    classified_by: str = Field(max_length=120)
    proposed_action: ProposedAction = Field(sa_type=enum_column(ProposedAction, 20))
    action_data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    status: ReplyStatus = Field(sa_type=enum_column(ReplyStatus, 16), index=True)
    handled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    handled_by: str | None = Field(default=None, max_length=200)
    handled_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    outcome: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)


class ReplyInvoice(SQLModel, table=True):
    """One invoice a reply is about."""

    __tablename__ = "reply_invoice"
    __table_args__ = (UniqueConstraint("reply_id", "invoice_id"),)

    id: int = Field(default=None, primary_key=True)
    reply_id: int = Field(foreign_key="reply.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
