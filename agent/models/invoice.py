"""One row per invoice: who owes what, since when, and who follows it up."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from sqlalchemy import BigInteger, CheckConstraint, Index, Text, text
from sqlmodel import Field, SQLModel, col

from agent.inputs import FREE_TEXT, LINE, NAME
from agent.models.base import UTCDateTime, enum_column, utcnow


class Lifecycle(StrEnum):
    """What a person did to the invoice. Paid and overdue are derived, never stored here."""

    DRAFT = "draft"
    SENT = "sent"
    WRITTEN_OFF = "written_off"
    VOID = "void"


class InvoiceBase(SQLModel):
    number: str = Field(max_length=64, unique=True, index=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    owner_id: int = Field(foreign_key="user.id", index=True)
    issue_date: date
    due_date: date = Field(index=True)
    original_due_date: date
    currency: str = Field(max_length=3)
    amount_minor: int = Field(sa_type=BigInteger)
    terms_days: int
    payment_method: str | None = Field(default=None, max_length=64)
    reference: str | None = Field(default=None, max_length=200)
    document_url: str | None = Field(default=None, max_length=2000)
    document_path: str | None = Field(default=None, max_length=1000)
    notes: str | None = Field(default=None, sa_type=Text)


class Invoice(InvoiceBase, table=True):
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("due_date >= issue_date", name="due_after_issue"),
    )

    id: int = Field(default=None, primary_key=True)
    lifecycle: Lifecycle = Field(
        default=Lifecycle.SENT, sa_type=enum_column(Lifecycle, 16), index=True
    )
    sent_date: date | None = None
    closed_date: date | None = Field(
        default=None, description="Day the invoice was written off or voided."
    )
    dispute_opened_date: date | None = None
    dispute_reason: str | None = Field(default=None, sa_type=Text)
    promised_date: date | None = None
    reminders_paused: bool = False
    # Reminders resume by themselves on this day (None: paused until someone resumes them).
    reminders_paused_until: date | None = None
    # Kept by the ledger service with every payment: as-of-today reads need no payment scan.
    paid_minor: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})
    last_payment_date: date | None = Field(default=None, index=True)
    version: int = Field(default=1, description="Bumped on every change; drafts remember it.")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# As of today an open invoice is one with a balance left (``positions.may_be_open``).
Index("ix_invoice_balance", col(Invoice.amount_minor) - col(Invoice.paid_minor))
# The same invoices in due-date order: the first page of an overdue list reads only its rows.
# It holds what the state, dispute and owner conditions read, so the walk past closed invoices
# (which keep their balance and the oldest due dates) stays in the index (migration 0011).
_HAS_BALANCE = text("amount_minor > paid_minor")
Index(
    "ix_invoice_open_due",
    col(Invoice.due_date),
    col(Invoice.id),
    col(Invoice.lifecycle),
    col(Invoice.closed_date),
    col(Invoice.dispute_opened_date),
    col(Invoice.issue_date),
    col(Invoice.amount_minor),
    col(Invoice.paid_minor),
    col(Invoice.owner_id),
    sqlite_where=_HAS_BALANCE,
    postgresql_where=_HAS_BALANCE,
)


class InvoiceCreate(SQLModel):
    """What a caller supplies to open an invoice; the service fills in the rest."""

    number: Annotated[str, NAME] = Field(min_length=1, max_length=64)
    client_id: int
    owner_id: int
    issue_date: date
    due_date: date | None = None
    terms_days: int | None = Field(default=None, ge=0, le=3650)
    currency: str
    amount_minor: int = Field(gt=0)
    payment_method: Annotated[str, LINE] | None = None
    reference: Annotated[str, LINE] | None = None
    document_url: Annotated[str, LINE] | None = None
    notes: Annotated[str, FREE_TEXT] | None = None
    lifecycle: Lifecycle = Lifecycle.SENT


class InvoiceRead(InvoiceBase):
    id: int
    lifecycle: Lifecycle
    sent_date: date | None
    closed_date: date | None
    dispute_opened_date: date | None
    promised_date: date | None
    reminders_paused: bool
    version: int
