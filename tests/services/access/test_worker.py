"""The server's housekeeping: expired web sessions and old idempotency records go, daily."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from agent.db import session_scope
from agent.models.api import IdempotencyRecord
from agent.models.base import utcnow
from agent.models.web_session import UserSession
from agent.services.access import worker
from agent.settings import Settings
from api.app import create_app
from tests.factories import make_user


def _seed(engine: Engine) -> None:
    now = utcnow()
    with session_scope(engine) as session:
        user = make_user(session)
        for n, expires in enumerate((now - timedelta(hours=1), now + timedelta(hours=1))):
            session.add(
                UserSession(
                    token_hash=f"{n:064d}", user_id=user.id, csrf_token="c", expires_at=expires
                )
            )
        for n, age in enumerate((timedelta(hours=25), timedelta(hours=1))):
            session.add(
                IdempotencyRecord(
                    owner="k",
                    key=f"key-{n}",
                    method="POST",
                    path="/x",
                    request_hash="h",
                    status_code=201,
                    response_body="{}",
                    created_at=now - age,
                )
            )


def _counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        sessions = session.exec(select(func.count()).select_from(UserSession)).one()
        records = session.exec(select(func.count()).select_from(IdempotencyRecord)).one()
    return int(sessions), int(records)


def test_prune_expired_keeps_what_is_live(engine: Engine) -> None:
    _seed(engine)
    pruned = worker.prune_expired(engine)
    assert (pruned.web_sessions, pruned.idempotency_records) == (1, 1)
    assert _counts(engine) == (1, 1)


def test_the_servers_daily_job_prunes(engine: Engine, settings: Settings) -> None:
    _seed(engine)
    app = create_app(settings, run_schedule=False)
    with TestClient(app):
        app.state.daily_job(date.today())
    assert _counts(engine) == (1, 1)
