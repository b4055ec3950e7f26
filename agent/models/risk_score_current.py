"""The latest risk score of each invoice, one row per invoice, so reads never group history."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from agent.models.base import JSONType, UTCDateTime, utcnow


class RiskScoreCurrent(SQLModel, table=True):
    """A copy of the invoice's newest ``risk_score`` row, replaced whenever it is scored again."""

    __tablename__ = "risk_score_current"

    invoice_id: int = Field(foreign_key="invoice.id", primary_key=True)
    score_id: int = Field(index=True)
    model_version: str = Field(max_length=64)
    as_of_date: date
    p_late: float
    expected_payment_date: date
    interval_low_date: date
    interval_high_date: date
    band: str = Field(max_length=16)
    reasons: list[str] = Field(default_factory=list, sa_type=JSONType)
    trigger: str = Field(max_length=40)
    scored_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
