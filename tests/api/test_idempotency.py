"""Idempotency-Key: replays return the first answer, a changed request is refused, keys expire."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from agent.models import Payment
from agent.models.api import IdempotencyRecord
from agent.models.base import utcnow
from agent.services.access import idempotency
from tests.api.conftest import Keys
from tests.factories import make_invoice


def _invoice_id(engine: Engine, keys: Keys) -> int:
    with Session(engine, expire_on_commit=False) as session:
        invoice = make_invoice(
            session, owner=keys.owner, issue_date=date.today() - timedelta(days=5)
        )
        session.commit()
        return invoice.id


def _payments(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Payment)).one()


def test_same_key_same_body_replays_the_first_answer(
    client: TestClient, keys: Keys, engine: Engine
) -> None:
    body = {"invoice_id": _invoice_id(engine, keys), "amount_minor": 2_500, "currency": "EUR"}
    headers = keys.auth("write") | {"Idempotency-Key": "pay-1"}
    first = client.post("/api/v1/payments", json=body, headers=headers)
    second = client.post("/api/v1/payments", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert _payments(engine) == 1


def test_same_key_different_body_is_a_409(client: TestClient, keys: Keys, engine: Engine) -> None:
    invoice_id = _invoice_id(engine, keys)
    headers = keys.auth("write") | {"Idempotency-Key": "pay-2"}
    body = {"invoice_id": invoice_id, "amount_minor": 2_500, "currency": "EUR"}
    assert client.post("/api/v1/payments", json=body, headers=headers).status_code == 201
    changed = client.post("/api/v1/payments", json=body | {"amount_minor": 2_600}, headers=headers)
    assert changed.status_code == 409
    assert changed.headers["content-type"] == "application/problem+json"
    assert changed.json()["field"] == "Idempotency-Key"
    assert _payments(engine) == 1


def test_without_a_key_each_post_acts(client: TestClient, keys: Keys, engine: Engine) -> None:
    body = {"invoice_id": _invoice_id(engine, keys), "amount_minor": 1_000, "currency": "EUR"}
    for _ in range(2):
        assert (
            client.post("/api/v1/payments", json=body, headers=keys.auth("write")).status_code
            == 201
        )
    assert _payments(engine) == 2


def test_keys_are_scoped_per_user(client: TestClient, keys: Keys, engine: Engine) -> None:
    invoice_id = _invoice_id(engine, keys)
    body = {"invoice_id": invoice_id, "amount_minor": 1_000, "currency": "EUR"}
    for scope in ("write", "admin"):
        response = client.post(
            "/api/v1/payments", json=body, headers=keys.auth(scope) | {"Idempotency-Key": "k"}
        )
        assert response.status_code == 201
        assert "idempotent-replayed" not in response.headers
    assert _payments(engine) == 2


def test_a_failed_request_stores_nothing_and_can_be_retried(
    client: TestClient, keys: Keys, engine: Engine
) -> None:
    invoice_id = _invoice_id(engine, keys)
    headers = keys.auth("write") | {"Idempotency-Key": "retry-me"}
    body = {"invoice_id": invoice_id, "amount_minor": 10_000_000, "currency": "EUR"}
    assert client.post("/api/v1/payments", json=body, headers=headers).status_code == 422
    with Session(engine) as session:
        assert session.exec(select(IdempotencyRecord)).first() is None


def test_keys_expire_after_the_retention(client: TestClient, keys: Keys, engine: Engine) -> None:
    body = {"invoice_id": _invoice_id(engine, keys), "amount_minor": 1_000, "currency": "EUR"}
    headers = keys.auth("write") | {"Idempotency-Key": "old"}
    assert client.post("/api/v1/payments", json=body, headers=headers).status_code == 201
    with Session(engine) as session:
        session.exec(
            update(IdempotencyRecord).values(
                created_at=utcnow() - idempotency.RETENTION - timedelta(minutes=1)
            )
        )
        session.commit()
    again = client.post("/api/v1/payments", json=body, headers=headers)
    assert again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert _payments(engine) == 2
    with Session(engine) as session:
        assert idempotency.purge_expired(session, now=utcnow() + idempotency.RETENTION) == 1


def test_invoice_creation_and_draft_free_actions_replay_too(
    client: TestClient, keys: Keys, engine: Engine
) -> None:
    client_id = client.post(
        "/api/v1/clients", json={"name": "Replay Ltd"}, headers=keys.auth("write")
    ).json()["id"]
    body = {
        "number": "R-1",
        "client_id": client_id,
        "owner_id": keys.owner.id,
        "issue_date": date.today().isoformat(),
        "currency": "EUR",
        "amount_minor": 5_000,
    }
    headers = keys.auth("write") | {"Idempotency-Key": "inv-R-1"}
    first = client.post("/api/v1/invoices", json=body, headers=headers)
    second = client.post("/api/v1/invoices", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    overlong = client.post(
        "/api/v1/invoices", json=body, headers=keys.auth("write") | {"Idempotency-Key": "x" * 300}
    )
    assert overlong.status_code == 422
