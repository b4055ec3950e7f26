"""The pages in a real headless browser (Debian's chromium through Playwright), with real SMTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agent.models.draft import Draft, DraftStatus
from agent.models.outbox import OutboxMessage
from agent.services.review import outbox
from agent.settings import Settings
from api.app import create_app
from tests.live import chromium, needs_chromium, served
from tests.review.helpers import (
    PASSWORD,
    part_text,
    seed_invoices,
    seed_owner,
    sweep,
    with_sentence,
)
from tests.review.smtp_server import Inbox, smtp_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Dialog, Page

HOSTILE = "<script>alert(1)</script>"
pytestmark = needs_chromium


@dataclass
class Live:
    url: str
    inbox: Inbox
    settings: Settings
    engine: Engine
    draft_id: int
    hostile_draft_id: int


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def live(engine: Engine, settings: Settings) -> Iterator[Live]:
    ann = seed_owner(engine, email="ann@example.com", name="Ann")
    seed_owner(engine, email="bob@example.com", name="Bob")
    seed_invoices(engine, owner_id=ann)
    seed_invoices(
        engine, owner_id=ann, client_name=HOSTILE, number="2026-666", contact="x@h.example"
    )
    sweep(engine, settings)
    with Session(engine) as session:
        drafts = {d.client_id: d.id for d in session.exec(select(Draft).order_by(col(Draft.id)))}
    draft_id, hostile_id = sorted(drafts.values())
    with smtp_server() as (inbox, smtp_port):
        live_settings = settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{smtp_port}"})
        with served(create_app(live_settings, run_schedule=False)) as url:
            yield Live(url, inbox, live_settings, engine, draft_id, hostile_id)


@pytest.fixture
def page(browser: Browser, live: Live) -> Iterator[Page]:
    context = browser.new_context(base_url=live.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page: Page, email: str) -> None:
    page.goto("/queue")
    assert "/sign-in" in page.url
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/queue")


def test_sign_in_see_the_queue_edit_approve_and_one_message_arrives(page: Page, live: Live) -> None:
    sign_in(page, "ann@example.com")
    card = page.locator(f"#draft-{live.draft_id}")
    assert card.locator(".client-name").inner_text() == "Van Dijk Studio"
    assert "2026-001" in card.inner_text() and "€1,234.50" in card.inner_text()
    card.get_by_text("Edit, approve or reject").click()
    drafted = page.input_value("#body")
    page.fill("#body", with_sentence(drafted, "Ann sends her regards."))
    page.check("input[name=send_now]")
    confirmations: list[str] = []

    def confirm(dialog: Dialog) -> None:
        confirmations.append(dialog.message)
        dialog.accept()

    page.once("dialog", confirm)
    page.click("#approve")
    page.wait_for_url("**/queue?notice=sent-now")
    assert confirmations and "now" in confirmations[0]
    assert "Approved" in page.locator("#notice").inner_text()
    assert page.locator(f"#draft-{live.draft_id}").count() == 0
    report = outbox.deliver_due(live.engine, settings=live.settings)
    assert report.sent == 1 and len(live.inbox.messages) == 1
    body = part_text(live.inbox.messages[0], "plain")
    assert "Ann sends her regards." in body
    assert "2026-001" in live.inbox.messages[0]["Subject"]


def test_reject_with_a_reason(page: Page, live: Live) -> None:
    sign_in(page, "ann@example.com")
    page.goto(f"/drafts/{live.draft_id}")
    page.fill("#reason", "client called, paying tomorrow")
    page.click("#reject")
    page.wait_for_url("**/queue?notice=rejected")
    with Session(live.engine) as session:
        draft = session.get_one(Draft, live.draft_id)
    assert (draft.status, draft.decision_note) == (
        DraftStatus.REJECTED,
        "client called, paying tomorrow",
    )
    assert outbox.deliver_due(live.engine, settings=live.settings).sent == 0


def test_a_second_owner_finds_no_such_draft(page: Page, live: Live) -> None:
    sign_in(page, "bob@example.com")
    assert page.locator(".draft").count() == 0
    response = page.goto(f"/drafts/{live.draft_id}")
    assert response is not None and response.status == 404
    assert f"no draft with id {live.draft_id}" in page.locator(".error").inner_text()


def test_a_double_submitted_approve_sends_once(page: Page, live: Live) -> None:
    sign_in(page, "ann@example.com")
    page.goto(f"/drafts/{live.draft_id}")
    page.check("input[name=send_now]")
    statuses = page.evaluate(
        """async () => {
            const form = document.querySelector('#approve-form');
            const body = new URLSearchParams(new FormData(form));
            const post = () => fetch(form.action, {method: 'POST', body});
            const answers = await Promise.all([post(), post()]);
            return answers.map(a => a.status).sort();
        }"""
    )
    assert statuses == [200, 409]  # the redirect to the queue, and "already approved"
    assert outbox.deliver_due(live.engine, settings=live.settings).sent == 1
    assert outbox.deliver_due(live.engine, settings=live.settings).sent == 0
    assert len(live.inbox.messages) == 1
    with Session(live.engine) as session:
        assert len(session.exec(select(OutboxMessage)).all()) == 1


def test_a_hostile_client_name_renders_as_text(page: Page, live: Live) -> None:
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    sign_in(page, "ann@example.com")
    names = page.locator(".client-name").all_inner_texts()
    assert HOSTILE in names
    page.goto(f"/drafts/{live.hostile_draft_id}")
    assert page.locator(".client-name").inner_text() == HOSTILE
    assert page.locator("script:not([src='/static/paytrack.js'])").count() == 0
    assert dialogs == []
