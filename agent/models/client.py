"""A customer who receives invoices."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from agent.inputs import FREE_TEXT, NAME
from agent.models.base import JSONType, UTCDateTime, utcnow


class ClientBase(SQLModel):
    name: str = Field(max_length=300)
    contact_emails: list[str] = Field(default_factory=list, sa_type=JSONType)
    language: str = Field(default="en", max_length=8)
    country: str | None = Field(default=None, max_length=2)
    timezone: str = Field(default="UTC", max_length=64)
    currency: str = Field(default="EUR", max_length=3)
    default_terms_days: int = 30
    notes: str | None = Field(default=None, sa_type=Text)
    reminders_paused: bool = False
    # The one consequence a firm reminder may announce to this client (None: none at all),
    # e.g. "late_payment_interest" or "referral_to_collection". A policy, set by a person.
    reminder_consequence: str | None = Field(default=None, max_length=40)
    # The person reminders greet by name; unset, they greet neutrally (never the company).
    contact_name: str | None = Field(default=None, max_length=60)
    # Late-payment charges (agent/services/charges): the statute that applies (None: from the
    # country), whether reminders say nothing, mention or claim them, and whether a Swedish
    # reminder fee was agreed in advance (the only case the law allows one).
    jurisdiction: str | None = Field(default=None, max_length=8)
    late_charges: str = Field(default="off", max_length=8)
    reminder_fee_agreed: bool = False


class Client(ClientBase, table=True):
    id: int = Field(default=None, primary_key=True)
    # Case- and space-folded name, so "ACME  Ltd" and "acme ltd" are one client.
    name_key: str = Field(max_length=300, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ClientCreate(SQLModel):
    name: Annotated[str, NAME] = Field(min_length=1, max_length=300)
    contact_emails: list[str] = Field(default_factory=list)
    language: str = "en"
    country: str | None = None
    timezone: str = "UTC"
    currency: str = "EUR"
    default_terms_days: int = Field(default=30, ge=0, le=365)
    notes: Annotated[str, FREE_TEXT] | None = None
    contact_name: str | None = Field(default=None, max_length=60)


class ClientRead(ClientBase):
    id: int


class ClientUpdate(SQLModel):
    """A partial change: only the fields given are changed (``model_fields_set``)."""

    name: str | None = Field(default=None, min_length=1, max_length=300)
    contact_emails: list[str] | None = None
    language: str | None = None
    country: str | None = None
    timezone: str | None = None
    currency: str | None = None
    default_terms_days: int | None = Field(default=None, ge=0, le=365)
    notes: str | None = None
    reminders_paused: bool | None = None
    reminder_consequence: str | None = Field(default=None, max_length=40)
