"""Concurrent writers on one balance: no invoice is ever overpaid, on SQLite and PostgreSQL.

Threads with their own transactions, separate ``paytrack`` processes, and ten HTTP clients
against a real uvicorn server all race to pay the same invoices.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

from agent.actor import Actor
from agent.db import session_scope
from agent.errors import PaymentExceedsBalance
from agent.services.ledger import payments
from tests.api.conftest import Keys
from tests.factories import make_invoice
from tests.faults.helpers import at_once, paid_total, stored_payments
from tests.live import served

PAYTRACK = str(Path(sys.executable).with_name("paytrack"))


def _try_pay(engine: Engine, invoice_id: int, amount_minor: int) -> int | None:
    """The stored payment's id, or None when the balance refused it."""
    try:
        with session_scope(engine) as session:
            outcome = payments.record(
                session,
                invoice_id=invoice_id,
                amount_minor=amount_minor,
                currency="EUR",
                payment_date=date(2026, 2, 1),
                actor=Actor.system("fault-test"),
            )
            return outcome.payment.id
    except PaymentExceedsBalance:
        return None


def _attempt(engine: Engine, invoice_id: int, amount_minor: int) -> tuple[int, int, int | None]:
    return invoice_id, amount_minor, _try_pay(engine, invoice_id, amount_minor)


def test_threads_never_overpay_and_store_each_accepted_payment_once(engine: Engine) -> None:
    rng = random.Random(12)
    with Session(engine, expire_on_commit=False) as session:
        targets = [make_invoice(session, amount_minor=rng.randint(5_000, 50_000)) for _ in range(3)]
        session.commit()
    for _round in range(4):
        tasks: list[Callable[[], tuple[int, int, int | None]]] = []
        for _ in range(8):
            invoice = rng.choice(targets)
            amount = rng.randint(1, invoice.amount_minor * 2 // 3)
            tasks.append(partial(_attempt, engine, invoice.id, amount))
        results = at_once(tasks)
        for invoice in targets:
            accepted = {pid: a for i, a, pid in results if i == invoice.id and pid is not None}
            stored = {p.id: p.amount_minor for p in stored_payments(engine, invoice_id=invoice.id)}
            assert accepted.items() <= stored.items()
            assert paid_total(engine, invoice_id=invoice.id) <= invoice.amount_minor
        refused = [(i, a) for i, a, pid in results if pid is None]
        for invoice_id, amount in refused:  # refused only because the balance was too small
            balance = next(t.amount_minor for t in targets if t.id == invoice_id)
            assert amount > balance - paid_total(engine, invoice_id=invoice_id)
    for invoice in targets:
        rows = stored_payments(engine, invoice_id=invoice.id)
        assert len({p.id for p in rows}) == len(rows)


def test_parallel_cli_processes_store_one_of_four_overpaying_payments(
    engine: Engine, cli_env: dict[str, str]
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        invoice = make_invoice(session, number="RACE-1", amount_minor=100_000)
        session.commit()
    env = os.environ | cli_env
    command = [PAYTRACK, "payments", "record", "RACE-1", "600.00", "--date", "2026-02-01"]
    running = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(4)
    ]
    outputs = [(proc.wait(timeout=120), proc.stdout.read().decode()) for proc in running]  # type: ignore[union-attr]
    codes = sorted(code for code, _ in outputs)
    assert codes == [0, 2, 2, 2], outputs
    assert paid_total(engine, invoice_id=invoice.id) == 60_000
    assert sum("exceeds the outstanding 400.00 EUR" in out for _, out in outputs) == 3


def test_ten_api_payments_of_sixty_percent_accept_exactly_one(
    app: FastAPI, keys: Keys, engine: Engine
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        invoice = make_invoice(session, owner=keys.owner, amount_minor=100_000)
        session.commit()
    body = {
        "invoice_id": invoice.id,
        "amount": "600.00",
        "currency": "EUR",
        "payment_date": "2026-02-01",
    }
    with served(app) as base, httpx.Client(base_url=base, timeout=60) as http:
        # Once the key's last use is fresh, authentication writes nothing and cannot serialise
        # the race by accident.
        assert http.get("/api/v1/invoices", headers=keys.auth("write")).status_code == 200

        def post(n: int) -> httpx.Response:
            headers = keys.auth("write") | {"Idempotency-Key": f"race-{n}"}
            return http.post("/api/v1/payments", json=body, headers=headers)

        answers = at_once([partial(post, n) for n in range(10)])
        shown = http.get(f"/api/v1/invoices/{invoice.id}", headers=keys.auth("read")).json()
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [422] * 9, [a.text for a in answers]
    assert shown["balance_minor"] == 40_000
    assert paid_total(engine, invoice_id=invoice.id) == 60_000
    assert len(stored_payments(engine, invoice_id=invoice.id)) == 1
