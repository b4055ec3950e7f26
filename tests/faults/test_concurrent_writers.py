"""Eight API clients writing at once over a real socket: every answer is a 2xx, never a 5xx.

Each writer opens its own client and invoices, pays them in parts, adds notes, extends and
disputes them. On SQLite "database is locked" must have become a wait; everything accepted
is stored once.
"""

from __future__ import annotations

from collections import Counter
from functools import partial

import httpx
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.models import Invoice, Payment
from tests.api.conftest import Keys
from tests.faults.helpers import at_once
from tests.live import served

WRITERS = 8
INVOICES_EACH = 3


def _writer(base: str, keys: Keys, n: int) -> Counter[int]:
    statuses: Counter[int] = Counter()
    with httpx.Client(base_url=base, headers=keys.auth("write"), timeout=120) as http:

        def call(path: str, body: dict) -> httpx.Response:
            response = http.post(path, json=body)
            statuses[response.status_code] += 1
            return response

        client = call("/api/v1/clients", {"name": f"Writer {n}"}).json()
        for i in range(INVOICES_EACH):
            invoice = call(
                "/api/v1/invoices",
                {
                    "number": f"W{n}-{i}",
                    "client_id": client["id"],
                    "owner_id": keys.owner.id,
                    "issue_date": "2026-01-01",
                    "due_date": "2026-01-31",
                    "currency": "EUR",
                    "amount_minor": 90_000,
                },
            ).json()
            path = f"/api/v1/invoices/{invoice['id']}"
            for part in range(2):
                call(
                    "/api/v1/payments",
                    {"invoice_id": invoice["id"], "amount_minor": 30_000, "currency": "EUR"},
                )
                call(f"{path}/notes", {"text": f"call {part}"})
            call(f"{path}/extend", {"new_due_date": "2026-02-28", "reason": "agreed"})
            call(f"{path}/dispute", {"reason": "wrong quantity"})
    return statuses


def test_eight_concurrent_api_writers_get_no_5xx(app: FastAPI, keys: Keys, engine: Engine) -> None:
    with served(app) as base:
        results = at_once([partial(_writer, base, keys, n) for n in range(WRITERS)])
    statuses = sum(results, Counter())
    assert set(statuses) <= {200, 201}, statuses
    assert statuses.total() == WRITERS * (1 + INVOICES_EACH * 7)
    with Session(engine) as session:
        assert len(session.exec(select(Invoice)).all()) == WRITERS * INVOICES_EACH
        paid = session.exec(select(Payment)).all()
    assert len(paid) == WRITERS * INVOICES_EACH * 2
