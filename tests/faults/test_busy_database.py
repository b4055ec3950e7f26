"""A writer held past the busy timeout: the API answers 503 with Retry-After, stores nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from agent.settings import Settings
from api.app import create_app
from tests.api.conftest import Keys
from tests.factories import make_invoice
from tests.faults.helpers import paid_total


def test_payment_behind_a_held_lock_is_503_then_succeeds_on_retry(
    settings: Settings, keys: Keys, engine: Engine
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        invoice = make_invoice(session, owner=keys.owner, amount_minor=100_000)
        session.commit()
    quick = settings.model_copy(update={"database_busy_timeout_seconds": 0.3})
    body = {"invoice_id": invoice.id, "amount": "100.00", "currency": "EUR"}
    headers = keys.auth("write") | {"Idempotency-Key": "busy-1"}
    with TestClient(create_app(quick, run_schedule=False)) as http:
        assert http.get("/api/v1/invoices", headers=keys.auth("write")).status_code == 200
        with engine.connect() as holder:
            if engine.dialect.name == "sqlite":
                holder.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                holder.execute(
                    text("SELECT id FROM invoice WHERE id = :id FOR UPDATE"), {"id": invoice.id}
                )
            busy = http.post("/api/v1/payments", json=body, headers=headers)
            assert http.get("/healthz").status_code == 200
            holder.rollback()
        assert busy.status_code == 503, busy.text
        assert busy.headers["retry-after"] == "2"
        assert busy.json()["title"] == "Service busy"
        assert paid_total(engine, invoice_id=invoice.id) == 0
        retried = http.post("/api/v1/payments", json=body, headers=headers)
    assert retried.status_code == 201, retried.text
    assert paid_total(engine, invoice_id=invoice.id) == 10_000
