"""An invoice changed in a way its risk score should know: a queue the re-score worker drains."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from agent.models.base import UTCDateTime, utcnow


class RescoreRequest(SQLModel, table=True):
    """Written in the ledger's transaction (cheap); scored after it commits, in its own."""

    __tablename__ = "rescore_request"

    id: int = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    kind: str = Field(max_length=40)
    as_of_date: date
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
