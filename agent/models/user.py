"""A person who owns invoices or administers paytrack."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import EmailStr
from sqlmodel import Field, SQLModel

from agent.models.base import UTCDateTime, enum_column, utcnow


class UserRole(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"


class UserBase(SQLModel):
    name: str = Field(max_length=200)
    email: str = Field(max_length=320, unique=True, index=True)
    role: UserRole = Field(default=UserRole.OWNER, sa_type=enum_column(UserRole, 16))


class User(UserBase, table=True):
    id: int = Field(default=None, primary_key=True)
    password_hash: str | None = Field(default=None, max_length=300)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UserCreate(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    role: UserRole = UserRole.OWNER


class UserRead(UserBase):
    id: int
    is_active: bool
