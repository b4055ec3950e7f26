"""Append-only history of changes to a client's details (e-mail, language, pause, ...)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from agent.models.base import JSONType, UTCDateTime, utcnow


class ClientEvent(SQLModel, table=True):
    """One change to a client: which fields, from what, to what, by whom. Only ever inserted."""

    __tablename__ = "client_event"

    id: int = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    kind: str = Field(max_length=40)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=200)
    actor_user_id: int | None = Field(default=None, foreign_key="user.id")
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
