"""Money received against one invoice."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Text
from sqlmodel import Field, SQLModel

from agent.models.base import UTCDateTime, utcnow


class PaymentBase(SQLModel):
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    amount_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    payment_date: date = Field(index=True)
    method: str | None = Field(default=None, max_length=64)
    reference: str | None = Field(default=None, max_length=300)
    # Re-recording a payment with the same external id (bank transaction id, import row) is a no-op.
    external_id: str | None = Field(default=None, max_length=200, unique=True)


class Payment(PaymentBase, table=True):
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        # Paid as of a past day sums one invoice's payments by date: an index-only range.
        Index("ix_payment_invoice_day", "invoice_id", "payment_date", "amount_minor"),
    )

    id: int = Field(default=None, primary_key=True)
    recorded_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # A mistaken payment is reversed, never deleted: it stays listed and stops counting.
    reversed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reversed_by: str | None = Field(default=None, max_length=200)
    reversal_reason: str | None = Field(default=None, sa_type=Text)


class PaymentRead(PaymentBase):
    id: int
    recorded_by: str
