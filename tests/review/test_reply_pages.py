"""Reply cards first in the queue, escaped; the conversation on the invoice page; accepting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from agent.actor import Actor
from agent.db import session_scope
from agent.models import Invoice
from agent.services.replies import replies
from agent.services.replies.offline import OfflineReader
from agent.settings import Settings
from api.app import create_app
from tests.review.helpers import seed_owner
from tests.review.test_pages import HOSTILE, csrf_of, sign_in
from tests.services.replies.mail import reply_bytes, sent_reminder


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, run_schedule=False), follow_redirects=False) as c:
        yield c


def test_the_queue_shows_replies_first_and_accepting_records_the_promise(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    _ann, invoice_id, sent, _eml = sent_reminder(engine, settings)
    seed_owner(engine, email="bob@example.com")
    with session_scope(engine) as session:
        reply = replies.ingest(
            session,
            raw=reply_bytes(
                text=f"We will pay on 20 March. {HOSTILE}", in_reply_to=sent.message_id
            ),
            source="file",
            reader=OfflineReader(),
            settings=settings,
            actor=Actor.system("test"),
        ).reply
        reply_id = reply.id
    sign_in(client, "bob@example.com")
    assert f"reply-{reply_id}" not in client.get("/queue").text  # another owner's reply
    client.cookies.clear()
    sign_in(client, "ann@example.com")
    page = client.get("/queue").text
    assert f'id="reply-{reply_id}"' in page
    assert page.index(f'id="reply-{reply_id}"') < page.index("<h2>Drafts</h2>")
    assert HOSTILE not in page and "&lt;script&gt;" in page
    assert 'name="promised_date" value="2026-03-20"' in page
    done = client.post(
        f"/replies/{reply_id}/accept",
        data={"csrf": csrf_of(client), "promised_date": "2026-03-21"},
    )
    assert done.status_code == 303
    with Session(engine) as session:
        assert session.get_one(Invoice, invoice_id).promised_date == date(2026, 3, 21)
    invoice_page = client.get(f"/invoices/{invoice_id}").text
    conversation = invoice_page[invoice_page.index('id="conversation"') :]
    sent_at = conversation.index("reminder sent")
    received_at = conversation.index("reply from ap@vandijk.example")
    acted_at = conversation.index("promise recorded")
    assert sent_at < received_at < acted_at
    assert f"source: reply #{reply_id}" in conversation
    assert HOSTILE not in invoice_page
