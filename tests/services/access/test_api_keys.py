"""An API key's last use: noted at most once a minute, never by waiting for another request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from agent.db import session_scope
from agent.models import UserRole
from agent.services.access import api_keys, users

START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _token(engine: Engine) -> tuple[str, str]:
    with session_scope(engine) as session:
        user = users.create(session, name="Olga", email="olga@example.com", role=UserRole.ADMIN)
        issued = api_keys.create(session, user_id=user.id, scopes=["read"], name="tool")
        return issued.token, issued.key.prefix


def _last_used(engine: Engine, prefix: str) -> datetime | None:
    with Session(engine) as session:
        return api_keys.get_by_prefix(session, prefix=prefix).last_used_at


def test_last_use_is_noted_once_a_minute(engine: Engine) -> None:
    token, prefix = _token(engine)
    for moment, noted in (
        (START, START),
        (START + timedelta(seconds=59), START),
        (START + timedelta(seconds=60), START + timedelta(seconds=60)),
    ):
        with session_scope(engine) as session:
            caller = api_keys.authenticate(session, token=token, now=moment)
            assert caller.key.last_used_at == noted
        assert _last_used(engine, prefix) == noted


def test_a_request_does_not_wait_for_another_noting_the_same_key(
    engine: Engine, database_url: str
) -> None:
    """Eight clients sharing a key cross each minute together; if each waited for the row lock
    of the one noting the use, every request would queue behind the others' whole requests."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time; row locks are PostgreSQL's")
    token, prefix = _token(engine)
    later = START + timedelta(minutes=5)
    with Session(engine) as first, Session(engine) as second:
        api_keys.authenticate(first, token=token, now=START)
        # Waiting for the first request's lock would fail here, not hang the suite.
        second.execute(text("SET LOCAL lock_timeout = '2s'"))
        caller = api_keys.authenticate(second, token=token, now=later)
        assert caller.key.last_used_at is None
        second.commit()
        first.commit()
    assert _last_used(engine, prefix) == START
    with session_scope(engine) as session:
        api_keys.authenticate(session, token=token, now=later)
    assert _last_used(engine, prefix) == later
