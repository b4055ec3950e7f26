"""Cached aging and KPIs: a change to the ledger is in the very next report, per owner scope."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tests.api.builders import TODAY, client_and_invoice
from tests.api.conftest import Keys
from tests.factories import make_invoice


def outstanding(client: TestClient, keys: Keys, scope: str) -> int:
    aging = client.get("/api/v1/reports/aging", headers=keys.auth(scope))
    assert aging.status_code == 200, aging.text
    return sum(c["total"]["outstanding_minor"] for c in aging.json()["currencies"])


def test_a_payment_is_in_the_next_aging_and_kpis(client: TestClient, keys: Keys) -> None:
    invoice = client_and_invoice(client, keys)
    assert outstanding(client, keys, "read") == 100_000
    assert outstanding(client, keys, "read") == 100_000  # now from the cache
    paid = client.post(
        "/api/v1/payments",
        json={"invoice_id": invoice["id"], "amount_minor": 30_000, "currency": "EUR"},
        headers=keys.auth("write"),
    )
    assert paid.status_code == 201, paid.text
    assert outstanding(client, keys, "read") == 70_000
    kpis = client.get("/api/v1/reports/kpis", headers=keys.auth("read")).json()
    assert kpis["currencies"][0]["outstanding_minor"] == 70_000


def test_each_owner_scope_has_its_own_entry(client: TestClient, keys: Keys, engine: Engine) -> None:
    client_and_invoice(client, keys)
    with Session(engine) as session:
        make_invoice(session, amount_minor=100_000, currency="EUR", issue_date=TODAY)
        session.commit()
    assert outstanding(client, keys, "admin") == 200_000
    assert outstanding(client, keys, "read") == 100_000
    assert outstanding(client, keys, "admin") == 200_000
