"""Trained risk models and the scores they gave, so every score names the model behind it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from agent.models.base import JSONType, UTCDateTime, utcnow


class RiskModelRecord(SQLModel, table=True):
    """One trained model: its version, when, where the artifact lives and what it measured."""

    __tablename__ = "risk_model"

    id: int = Field(default=None, primary_key=True)
    version: str = Field(max_length=64, unique=True, index=True)
    trained_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    family: str = Field(max_length=100)
    artifact_path: str = Field(max_length=1000)
    # Row counts, feature list, metrics and the data cut-off, as in the JSON sidecar.
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)


class RiskScore(SQLModel, table=True):
    """What one model version said about one invoice on one day, and why it was asked."""

    __tablename__ = "risk_score"
    __table_args__ = (
        Index("ix_risk_score_invoice_scored", "invoice_id", "scored_at"),
        # Retention deletes old periodic scores by date without scanning the history.
        Index("ix_risk_score_scored_at", "scored_at"),
    )

    id: int = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    # "prior" when no trained model was available; otherwise a RiskModelRecord.version.
    model_version: str = Field(max_length=64, index=True)
    as_of_date: date
    p_late: float
    expected_payment_date: date
    interval_low_date: date
    interval_high_date: date
    band: str = Field(max_length=16)
    reasons: list[str] = Field(default_factory=list, sa_type=JSONType)
    trigger: str = Field(max_length=40)
    scored_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
