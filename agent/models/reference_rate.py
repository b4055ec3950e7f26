"""A central bank's reference rate for one half-year, as a late-payment statute fixes it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from agent.models.base import UTCDateTime, utcnow


class ReferenceRate(SQLModel, table=True):
    """A rate set by a person (``paytrack rates set``); it overrides the shipped rates file.

    ``rate_percent`` is a decimal string ("2.15") so that no float ever touches it.
    """

    __tablename__ = "reference_rate"
    __table_args__ = (UniqueConstraint("jurisdiction", "effective_from"),)

    id: int = Field(default=None, primary_key=True)
    jurisdiction: str = Field(max_length=8)
    effective_from: date
    rate_percent: str = Field(max_length=16)
    source: str = Field(sa_type=Text)
    set_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
