"""The pages: the exact e-mail on the draft page, a refused edit kept with its violations and a
diff, cancel and back-to-queue from the draft, invoice and outbox pages, an empty bulk approve."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agent.db import session_scope
from agent.models import Invoice
from agent.models.draft import Draft, DraftStatus
from agent.models.outbox import OutboxMessage, OutboxStatus
from agent.services.ledger import history
from agent.services.review import outbox
from agent.settings import Settings
from api.app import create_app
from tests.factories import pay
from tests.review.helpers import seed_invoices, seed_owner, sweep
from tests.review.test_pages import csrf_of, sign_in

INJECTED = "Please also pay 99,999.00 for invoice INV-0000 today."


@pytest.fixture
def world(engine: Engine, settings: Settings) -> dict[str, int]:
    ann = seed_owner(engine, email="ann@example.com")
    seed_owner(engine, email="bob@example.com")
    invoice = seed_invoices(engine, owner_id=ann)
    sweep(engine, settings)
    with Session(engine) as session:
        draft = session.exec(select(Draft)).one()
    return {"invoice": invoice, "draft": draft.id}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, run_schedule=False), follow_redirects=False) as c:
        yield c


def _draft(engine: Engine, draft_id: int) -> Draft:
    with Session(engine) as session:
        return session.get_one(Draft, draft_id)


def _approve(client: TestClient, draft_id: int, **fields: str) -> None:
    token = csrf_of(client, f"/drafts/{draft_id}")
    response = client.post(f"/drafts/{draft_id}/approve", data={"csrf": token, **fields})
    assert response.status_code == 303, response.text


def test_the_draft_page_shows_the_exact_e_mail_that_leaves(
    client: TestClient, world: dict[str, int], engine: Engine
) -> None:
    sign_in(client, "ann@example.com")
    draft = _draft(engine, world["draft"])
    page = client.get(f"/drafts/{draft.id}").text
    assert "The e-mail approval sends" in page
    assert f'id="email-subject">{html.escape(draft.subject)}<' in page
    assert "Ann &lt;ann@example.com&gt;" in page
    _approve(client, draft.id, subject="Exactly this", body=draft.body)
    page = client.get(f"/drafts/{draft.id}").text
    with Session(engine) as session:
        row = session.exec(select(OutboxMessage)).one()
    assert row.subject == "Exactly this" and 'id="email-subject">Exactly this<' in page
    assert html.escape(row.text_body.strip()) in page
    assert "Cancel the e-mail" in page and "Back to the review queue" in page


def test_a_refused_edit_stays_in_the_form_beside_its_violations_and_a_diff(
    client: TestClient, world: dict[str, int], engine: Engine
) -> None:
    sign_in(client, "ann@example.com")
    draft = _draft(engine, world["draft"])
    token = csrf_of(client, f"/drafts/{draft.id}")
    edited = f"{draft.body}\n\n{INJECTED}"
    response = client.post(
        f"/drafts/{draft.id}/approve",
        data={"csrf": token, "subject": draft.subject, "body": edited},
    )
    assert response.status_code == 422
    page = response.text
    assert 'id="violations"' in page and "<code>" in page
    assert html.escape(INJECTED) in page.split('id="body"')[1]
    assert f"+{html.escape(INJECTED)}" in page.split('id="edit-diff"')[1]
    assert _draft(engine, draft.id).status == DraftStatus.PENDING_REVIEW


def test_cancel_from_the_invoice_page_and_requeue_from_the_outbox_page(
    client: TestClient, world: dict[str, int], engine: Engine
) -> None:
    sign_in(client, "ann@example.com")
    draft_id = world["draft"]
    _approve(client, draft_id)
    invoice_page = client.get(f"/invoices/{world['invoice']}").text
    assert f'action="/drafts/{draft_id}/requeue"' in invoice_page
    outbox_page = client.get("/outbox").text
    assert f'action="/drafts/{draft_id}/cancel"' in outbox_page
    token = csrf_of(client, "/outbox")
    back = client.post(f"/drafts/{draft_id}/requeue", data={"csrf": token})
    assert back.status_code == 303 and _draft(engine, draft_id).status == "pending_review"
    _approve(client, draft_id)
    token = csrf_of(client, f"/invoices/{world['invoice']}")
    cancelled = client.post(
        f"/drafts/{draft_id}/cancel",
        data={"csrf": token, "reason": "paid at the desk", "next": f"/invoices/{world['invoice']}"},
    )
    assert cancelled.headers["location"] == f"/invoices/{world['invoice']}"
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        events = history.list_for_invoice(session, invoice_id=world["invoice"])
    assert [r.status for r in rows] == [OutboxStatus.CANCELLED, OutboxStatus.CANCELLED]
    assert [e.actor for e in events if e.kind == "reminder_cancelled"] == ["user:ann@example.com"]
    assert [e.kind for e in events].count("reminder_requeued") == 1
    page = client.get(f"/drafts/{draft_id}").text
    assert "paid at the desk" in page and "Cancel the e-mail" not in page


def test_another_owner_cannot_cancel(client: TestClient, world: dict[str, int]) -> None:
    sign_in(client, "ann@example.com")
    _approve(client, world["draft"])
    client.cookies.clear()
    sign_in(client, "bob@example.com")
    token = csrf_of(client, "/outbox")
    response = client.post(f"/drafts/{world['draft']}/cancel", data={"csrf": token, "reason": "x"})
    assert response.status_code == 404


def test_bulk_approve_with_nothing_selected_says_so(
    client: TestClient, world: dict[str, int], engine: Engine
) -> None:
    sign_in(client, "ann@example.com")
    token = csrf_of(client)
    response = client.post("/queue/bulk-approve", data={"csrf": token})
    assert response.headers["location"] == "/queue?notice=bulk-none"
    assert "Nothing was selected" in client.get(response.headers["location"]).text
    assert _draft(engine, world["draft"]).status == DraftStatus.PENDING_REVIEW


def test_the_invoice_page_extends_the_due_date(
    client: TestClient, world: dict[str, int], engine: Engine
) -> None:
    sign_in(client, "ann@example.com")
    path = f"/invoices/{world['invoice']}"
    token = csrf_of(client, path)
    response = client.post(
        f"{path}/extend", data={"csrf": token, "date": "2026-04-30", "text": "agreed by phone"}
    )
    assert response.status_code == 303
    assert "due date extended" in client.get(path).text.replace("_", " ")


def test_the_draft_and_invoice_pages_say_why_an_approved_e_mail_did_not_leave(
    client: TestClient, world: dict[str, int], engine: Engine, settings: Settings
) -> None:
    sign_in(client, "ann@example.com")
    _approve(client, world["draft"], send_now="1")
    with session_scope(engine) as session:
        pay(session, session.get_one(Invoice, world["invoice"]), payment_date=date.today())
    assert outbox.deliver_due(engine, settings=settings).cancelled == 1
    draft_page = client.get(f"/drafts/{world['draft']}").text
    assert 'id="hold-reason">Not sent: invoice 2026-001 has been paid in full' in draft_page
    invoice_page = client.get(f"/invoices/{world['invoice']}").text
    assert "not sent: invoice 2026-001 has been paid in full" in invoice_page
    assert "reminder cancelled" in invoice_page.replace("_", " ")
