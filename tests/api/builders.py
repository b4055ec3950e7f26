"""API test builders: a client and invoice created through the API, a stored reminder draft."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from agent.models.draft import Tone
from agent.services.ledger import invoices
from agent.services.review import drafts
from tests.api.conftest import Keys
from tests.factories import TEST_ACTOR

TODAY = date.today()


def client_and_invoice(client: TestClient, keys: Keys, **overrides: object) -> dict[str, Any]:
    created = client.post(
        "/api/v1/clients",
        json={
            "name": f"Acme {overrides.get('number', 'A')}",
            "contact_emails": ["ap@acme.example"],
        },
        headers=keys.auth("write"),
    )
    assert created.status_code == 201, created.text
    body = {
        "number": "INV-1",
        "client_id": created.json()["id"],
        "owner_id": keys.owner.id,
        "issue_date": (TODAY - timedelta(days=40)).isoformat(),
        "due_date": (TODAY - timedelta(days=10)).isoformat(),
        "currency": "EUR",
        "amount_minor": 100_000,
    } | overrides
    response = client.post("/api/v1/invoices", json=body, headers=keys.auth("write"))
    assert response.status_code == 201, response.text
    return response.json()


def store_draft(engine: Engine, keys: Keys, invoice_id: int, thread: str) -> int:
    with Session(engine, expire_on_commit=False) as session:
        invoice = invoices.get(session, invoice_id=invoice_id, actor=TEST_ACTOR)
        draft = drafts.store(
            session,
            drafts.NewDraft(
                thread_id=thread,
                client_id=invoice.client_id,
                owner_id=invoice.owner_id,
                milestone="overdue_7",
                tone=Tone.FRIENDLY,
                tone_reason="first reminder",
                language="en",
                subject=f"Invoice {invoice.number}",
                body="Dear customer, a friendly reminder.",
                risk_snapshot={"band": "low"},
                suggested_send_at=datetime.now(UTC),
                drafter="template",
                model="none",
                prompt_version="test",
                fallback_reason=None,
                broken_promise_date=None,
                sweep_date=TODAY,
                invoices=[
                    drafts.ListedInvoice(
                        invoice_id=invoice.id,
                        number=invoice.number,
                        milestone="overdue_7",
                        outstanding_minor=invoice.amount_minor,
                        currency=invoice.currency,
                        due_date=invoice.due_date,
                        days_overdue=(TODAY - invoice.due_date).days,
                        invoice_version=invoice.version,
                    )
                ],
            ),
            actor=TEST_ACTOR,
        )
        session.commit()
        return draft.id
