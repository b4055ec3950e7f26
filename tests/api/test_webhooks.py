"""Webhooks: outbox rows in the change's transaction, signed posts, retries until recovery."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agent.models.api import DeliveryStatus, WebhookDelivery, WebhookSubscription
from agent.models.base import utcnow
from agent.services.reminders import sweeps
from agent.services.reminders.milestones import Schedule
from agent.services.webhooks import webhooks
from agent.services.webhooks import worker as webhook_worker
from agent.settings import Settings
from api.app import create_app
from tests.api.builders import client_and_invoice, store_draft
from tests.api.conftest import Keys
from tests.factories import make_invoice

SECRET = "whsec_test_secret_0123456789"


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    """The receivers here listen on 127.0.0.1, which only an operator setting allows."""
    allowed = settings.model_copy(update={"webhook_allow_private_urls": True})
    return create_app(allowed, run_schedule=False)


@dataclass
class Receiver:
    """A local HTTP endpoint that fails ``fail_first`` times, then accepts and verifies."""

    url: str
    fail_first: int = 0
    calls: int = 0
    received: list[dict] = field(default_factory=list)
    bad_signatures: int = 0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.calls += 1
            if state.calls <= state.fail_first:
                self.send_response(503)
                self.end_headers()
                return
            ok = webhooks.verify(
                SECRET,
                timestamp=self.headers["Paytrack-Timestamp"],
                body=body,
                signature=self.headers["Paytrack-Signature"],
            )
            if not ok:
                state.bad_signatures += 1
            state.received.append(
                {"event": self.headers["Paytrack-Event"], "body": json.loads(body), "ok": ok}
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def _subscribe(client: TestClient, keys: Keys, url: str, events: list[str]) -> int:
    response = client.post(
        "/api/v1/webhooks",
        json={"url": url, "events": events, "secret": SECRET},
        headers=keys.auth("admin"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["secret"] == SECRET
    return response.json()["id"]


def _pay(client: TestClient, keys: Keys, engine: Engine, amount_minor: int = 10_000) -> None:
    with Session(engine, expire_on_commit=False) as session:
        invoice = make_invoice(
            session, owner=keys.owner, issue_date=date.today() - timedelta(days=3)
        )
        session.commit()
    response = client.post(
        "/api/v1/payments",
        json={"invoice_id": invoice.id, "amount_minor": amount_minor, "currency": "EUR"},
        headers=keys.auth("write"),
    )
    assert response.status_code == 201


def test_signed_delivery_of_payment_events(
    client: TestClient, keys: Keys, engine: Engine, receiver: Receiver
) -> None:
    _subscribe(client, keys, receiver.url, ["payment.recorded", "invoice.paid"])
    _pay(client, keys, engine)
    report = webhook_worker.deliver_due(engine)
    assert (report.attempted, report.delivered) == (2, 2)
    assert receiver.bad_signatures == 0
    assert sorted(r["event"] for r in receiver.received) == ["invoice.paid", "payment.recorded"]
    paid = next(r["body"] for r in receiver.received if r["event"] == "invoice.paid")
    assert paid["data"]["amount_minor"] == 10_000
    assert webhook_worker.deliver_due(engine).attempted == 0


def test_signature_covers_timestamp_and_body() -> None:
    body = b'{"a":1}'
    signature = "sha256=" + webhooks.sign(SECRET, timestamp=1700000000, body=body)
    assert webhooks.verify(SECRET, timestamp="1700000000", body=body, signature=signature)
    assert not webhooks.verify(SECRET, timestamp="1700000001", body=body, signature=signature)
    assert not webhooks.verify(SECRET, timestamp="1700000000", body=b'{"a":2}', signature=signature)
    assert not webhooks.verify(
        "another-secret-xyz", timestamp="1700000000", body=body, signature=signature
    )


def test_retries_with_backoff_until_the_receiver_recovers(
    client: TestClient, keys: Keys, engine: Engine, receiver: Receiver
) -> None:
    receiver.fail_first = 2
    subscription_id = _subscribe(client, keys, receiver.url, ["payment.recorded"])
    _pay(client, keys, engine, amount_minor=4_000)
    start = utcnow()
    first = webhook_worker.deliver_due(engine, now=start)
    assert (first.attempted, first.retrying) == (1, 1)
    assert webhook_worker.deliver_due(engine, now=start + timedelta(seconds=1)).attempted == 0
    second = webhook_worker.deliver_due(engine, now=start + webhooks.backoff(1))
    assert second.retrying == 1
    with Session(engine) as session:
        delivery = session.exec(select(WebhookDelivery)).one()
        assert delivery.attempts == 2
        assert delivery.next_attempt_at == start + webhooks.backoff(1) + webhooks.backoff(2)
        assert delivery.last_status_code == 503
    third = webhook_worker.deliver_due(engine, now=start + timedelta(days=1))
    assert third.delivered == 1
    assert len(receiver.received) == 1 and receiver.bad_signatures == 0
    log = client.get(
        f"/api/v1/webhooks/{subscription_id}/deliveries", headers=keys.auth("admin")
    ).json()
    assert [(d["status"], d["attempts"]) for d in log] == [("delivered", 3)]


def test_receiver_down_keeps_the_event_until_it_is_back(
    client: TestClient, keys: Keys, engine: Engine, receiver: Receiver
) -> None:
    dead = "http://127.0.0.1:9/unreachable"
    subscription_id = _subscribe(client, keys, dead, ["payment.recorded"])
    _pay(client, keys, engine)
    start = utcnow()
    for n in range(3):
        report = webhook_worker.deliver_due(engine, now=start + timedelta(days=n))
        assert report.retrying == 1
    with Session(engine) as session:
        delivery = session.exec(select(WebhookDelivery)).one()
        assert delivery.status == DeliveryStatus.PENDING
        assert delivery.last_error
        delivery_subscription = session.get_one(WebhookSubscription, subscription_id)
        delivery_subscription.url = receiver.url
        session.add(delivery_subscription)
        session.commit()
    assert webhook_worker.deliver_due(engine, now=start + timedelta(days=5)).delivered == 1
    assert receiver.received[0]["event"] == "payment.recorded"


def test_gives_up_after_max_attempts(
    client: TestClient, keys: Keys, engine: Engine, receiver: Receiver
) -> None:
    receiver.fail_first = 100
    _subscribe(client, keys, receiver.url, ["payment.recorded"])
    _pay(client, keys, engine)
    start = utcnow()
    for n in range(3):
        webhook_worker.deliver_due(engine, now=start + timedelta(days=n), max_attempts=3)
    with Session(engine) as session:
        assert session.exec(select(WebhookDelivery)).one().status == DeliveryStatus.FAILED


def test_no_subscription_no_rows_and_unsubscribed_events_ignored(
    client: TestClient, keys: Keys, engine: Engine, receiver: Receiver
) -> None:
    _pay(client, keys, engine)
    _subscribe(client, keys, receiver.url, ["draft.created"])
    _pay(client, keys, engine)
    with Session(engine) as session:
        assert session.exec(select(WebhookDelivery)).first() is None


def test_test_delivery_endpoint_and_subscription_admin(
    client: TestClient, keys: Keys, receiver: Receiver
) -> None:
    subscription_id = _subscribe(client, keys, receiver.url, ["invoice.overdue"])
    tested = client.post(f"/api/v1/webhooks/{subscription_id}/test", headers=keys.auth("admin"))
    assert tested.status_code == 200
    assert tested.json()["status"] == "delivered"
    assert receiver.received[0]["event"] == "webhook.test"
    assert receiver.bad_signatures == 0
    listed = client.get("/api/v1/webhooks", headers=keys.auth("admin")).json()
    assert [s["id"] for s in listed] == [subscription_id]
    assert "secret" not in listed[0]
    removed = client.delete(f"/api/v1/webhooks/{subscription_id}", headers=keys.auth("admin"))
    assert removed.json()["is_active"] is False
    bad = client.post(
        "/api/v1/webhooks",
        json={"url": "ftp://x.example/h", "events": ["invoice.paid"]},
        headers=keys.auth("admin"),
    )
    assert bad.status_code == 422
    unknown = client.post(
        "/api/v1/webhooks",
        json={"url": "https://x.example/h", "events": ["invoice.exploded"]},
        headers=keys.auth("admin"),
    )
    assert unknown.status_code == 422


def test_service_events_are_queued_where_they_happen(
    client: TestClient, keys: Keys, engine: Engine, settings: Settings, receiver: Receiver
) -> None:
    _subscribe(client, keys, receiver.url, ["invoice.overdue", "draft.created", "draft.decided"])
    invoice = client_and_invoice(client, keys, number="EV-1")
    draft_id = store_draft(engine, keys, invoice["id"], "events-thread")
    decided = client.post(
        f"/api/v1/drafts/{draft_id}/reject",
        json={"reason": "not now"},
        headers=keys.auth("approve"),
    )
    assert decided.status_code == 200
    for _ in range(2):  # a second sweep must not announce the same overdue invoice again
        with Session(engine) as session:
            sweeps.process_groups(
                session,
                groups=[(invoice["client_id"], [invoice["id"]])],
                as_of=date.today(),
                settings=settings,
                schedule=Schedule.from_settings(settings),
            )
            session.commit()
    with Session(engine) as session:
        rows = session.exec(select(WebhookDelivery).order_by(col(WebhookDelivery.id))).all()
        events = [(row.event, row.payload["data"].get("invoice_id")) for row in rows]
    assert events[:2] == [("draft.created", None), ("draft.decided", None)]
    assert events[2:] == [("invoice.overdue", invoice["id"])]
    assert rows[1].payload["data"]["status"] == "rejected"
    assert rows[0].payload["data"]["invoice_ids"] == [invoice["id"]]
    assert webhook_worker.deliver_due(engine).delivered == 3
