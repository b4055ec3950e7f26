"""One real uvicorn server on 127.0.0.1: the key, the ledger and the answers over a socket."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tests.api.conftest import Keys
from tests.factories import make_invoice
from tests.live import served


def test_served_over_http(app: FastAPI, keys: Keys, engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        invoice = make_invoice(
            session, owner=keys.owner, issue_date=date.today() - timedelta(days=9)
        )
        session.commit()
    with served(app) as base, httpx.Client(base_url=base, headers=keys.auth("write")) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        paid = http.post(
            "/api/v1/payments",
            json={"invoice_id": invoice.id, "amount": "100.00", "currency": "EUR"},
            headers={"Idempotency-Key": "over-http"},
        )
        assert paid.status_code == 201
        assert paid.json()["settled"] is True
        replay = http.post(
            "/api/v1/payments",
            json={"invoice_id": invoice.id, "amount": "100.00", "currency": "EUR"},
            headers={"Idempotency-Key": "over-http"},
        )
        assert replay.headers["idempotent-replayed"] == "true"
        assert http.get(f"/api/v1/invoices/{invoice.id}").json()["status"] == "paid"
        assert httpx.get(f"{base}/api/v1/invoices").status_code == 401
