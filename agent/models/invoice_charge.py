"""A late-payment charge claimed from a client: its own ledger entry, apart from the invoice."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from agent.models.base import UTCDateTime, enum_column, utcnow


class ChargeKind(StrEnum):
    """In the order payments settle them (docs/charges.md)."""

    COMPENSATION = "compensation"
    REMINDER_FEE = "reminder_fee"
    INTEREST = "interest"


class InvoiceCharge(SQLModel, table=True):
    """One kind of charge on one invoice; a later claim raises ``amount_minor``.

    The invoice's own amount never changes; ``settled_minor`` is what payments put against it.
    """

    __tablename__ = "invoice_charge"
    __table_args__ = (
        UniqueConstraint("invoice_id", "kind"),
        CheckConstraint("settled_minor >= 0 AND settled_minor <= amount_minor", name="settled"),
    )

    id: int = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    kind: ChargeKind = Field(sa_type=enum_column(ChargeKind, 16))
    currency: str = Field(max_length=3)
    amount_minor: int = Field(sa_type=BigInteger)
    settled_minor: int = Field(default=0, sa_type=BigInteger)
    as_of_date: date = Field(description="Day the claimed amount was computed for.")
    draft_id: int | None = Field(default=None, foreign_key="draft.id")
    claimed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def outstanding_minor(self) -> int:
        return self.amount_minor - self.settled_minor
