"""Browser sign-in: sessions (only a hash of the cookie token is stored) and sign-in attempts."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from agent.models.base import UTCDateTime, utcnow


class UserSession(SQLModel, table=True):
    __tablename__ = "user_session"

    id: int = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SignInAttempt(SQLModel, table=True):
    __tablename__ = "sign_in_attempt"

    id: int = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)
    ip: str = Field(max_length=64, index=True)
    succeeded: bool = False
    attempted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
