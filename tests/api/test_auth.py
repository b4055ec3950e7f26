"""Authentication and the role matrix: every scope against every endpoint of the route table."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from agent.models.api import ApiKey, Scope
from agent.services.access import api_keys
from tests.api.conftest import Keys

ALLOWED = {
    "read": {Scope.READ},
    "write": {Scope.READ, Scope.WRITE},
    "approve": {Scope.READ, Scope.APPROVE},
    "admin": set(Scope),
}


def _operations(client: TestClient) -> list[tuple[str, str, Scope]]:
    spec = client.get("/openapi.json").json()
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if path.startswith("/api/v1"):
                assert "x-required-scope" in operation, f"{method} {path} names no scope"
                found.append((method.upper(), path, Scope(operation["x-required-scope"])))
    return found


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    concrete = re.sub(r"\{[^}]+\}", "987654", path)
    body: dict[str, object] | None = {} if method in ("POST", "PATCH") else None
    return client.request(method, concrete, json=body, headers=headers).status_code


def test_route_table_covers_every_resource(client: TestClient) -> None:
    paths = {path for _method, path, _scope in _operations(client)}
    for resource in ("clients", "users", "invoices", "payments", "drafts", "risk", "reports"):
        assert any(p.startswith(f"/api/v1/{resource}") for p in paths), resource
    assert len(paths) >= 30


def test_role_matrix(client: TestClient, keys: Keys) -> None:
    """Each key scope × each endpoint: 401 without a key, 403 outside the scope, else past auth."""
    operations = _operations(client)
    for method, path, needed in operations:
        assert _call(client, method, path, {}) == 401, (method, path)
        assert _call(client, method, path, keys.auth("revoked")) == 401, (method, path)
        for name, grants in ALLOWED.items():
            status = _call(client, method, path, keys.auth(name))
            if needed in grants:
                assert status not in (401, 403), (name, method, path, status)
                assert status < 500, (name, method, path, status)
            else:
                assert status == 403, (name, method, path, status)


@pytest.mark.parametrize(
    "header",
    [
        {"Authorization": "Bearer nonsense"},
        {"Authorization": "Bearer pt_000000000000_wrongsecret"},
        {"X-API-Key": "pt_"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
)
def test_bad_keys_are_401_problems(client: TestClient, keys: Keys, header: dict[str, str]) -> None:
    response = client.get("/api/v1/invoices", headers=header)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_x_api_key_header_works(client: TestClient, keys: Keys) -> None:
    response = client.get("/api/v1/users/me", headers={"X-API-Key": keys.tokens["read"]})
    assert response.status_code == 200
    assert response.json()["email"] == "olga@example.com"


def test_a_wrong_secret_with_a_real_prefix_is_refused(client: TestClient, keys: Keys) -> None:
    forged = f"pt_{keys.prefixes['admin']}_{'x' * 43}"
    assert client.get("/api/v1/users", headers={"X-API-Key": forged}).status_code == 401


def test_keys_are_stored_hashed_and_record_last_use(
    client: TestClient, keys: Keys, engine: Engine
) -> None:
    assert client.get("/api/v1/users/me", headers=keys.auth("read")).status_code == 200
    with Session(engine) as session:
        key = api_keys.get_by_prefix(session, prefix=keys.prefixes["read"])
        secret = keys.tokens["read"].split("_", 2)[2]
        assert secret not in key.secret_hash
        assert key.secret_hash != secret
        assert key.last_used_at is not None
        assert key.last_used_at <= datetime.now(UTC)
        unused = api_keys.get_by_prefix(session, prefix=keys.prefixes["approve"])
        assert unused.last_used_at is None


def test_revoking_a_key_locks_it_out(client: TestClient, keys: Keys, engine: Engine) -> None:
    assert client.get("/api/v1/users/me", headers=keys.auth("write")).status_code == 200
    with Session(engine) as session:
        api_keys.revoke(session, prefix=keys.prefixes["write"])
        session.commit()
        assert session.get(ApiKey, 1) is not None
    assert client.get("/api/v1/users/me", headers=keys.auth("write")).status_code == 401


def test_unknown_scope_is_refused(engine: Engine, keys: Keys) -> None:
    with Session(engine) as session, pytest.raises(Exception, match="unknown scope"):
        api_keys.create(session, user_id=keys.owner.id, scopes=["superuser"])
