"""An app per test on the test database, and one API key per scope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from agent.models import User, UserRole
from agent.services.access import api_keys, users
from agent.settings import Settings
from api.app import create_app


@dataclass(frozen=True)
class Keys:
    """Tokens by scope name, all for one owner, plus an admin user's key."""

    owner: User
    admin: User
    tokens: dict[str, str]
    prefixes: dict[str, str]

    def auth(self, scope: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[scope]}"}


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings, run_schedule=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def keys(engine: Engine) -> Keys:
    with Session(engine, expire_on_commit=False) as session:
        owner = users.create(session, name="Olga Owner", email="olga@example.com")
        admin = users.create(
            session, name="Adam Admin", email="adam@example.com", role=UserRole.ADMIN
        )
        tokens: dict[str, str] = {}
        prefixes: dict[str, str] = {}
        for scope in ("read", "write", "approve"):
            issued = api_keys.create(session, user_id=owner.id, scopes=[scope], name=scope)
            tokens[scope], prefixes[scope] = issued.token, issued.key.prefix
        issued = api_keys.create(session, user_id=admin.id, scopes=["admin"], name="admin")
        tokens["admin"], prefixes["admin"] = issued.token, issued.key.prefix
        revoked = api_keys.create(session, user_id=owner.id, scopes=["read"], name="old")
        api_keys.revoke(session, prefix=revoked.key.prefix)
        tokens["revoked"], prefixes["revoked"] = revoked.token, revoked.key.prefix
        session.commit()
    return Keys(owner=owner, admin=admin, tokens=tokens, prefixes=prefixes)
