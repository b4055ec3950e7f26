"""The outbox: what the e-mail looks like, threading, retries, two senders, and crash safety."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agent.db import session_scope
from agent.models import Invoice
from agent.models.draft import Draft, DraftStatus
from agent.models.notification import Notification
from agent.models.outbox import OutboxMessage, OutboxStatus
from agent.services.ledger import history
from agent.services.review import outbox, reviews
from agent.settings import Settings
from tests.live import free_port
from tests.review.helpers import (
    DAY,
    DUE,
    part_text,
    seed_invoices,
    seed_owner,
    sweep,
    user,
    with_sentence,
)
from tests.review.smtp_server import smtp_server

ROOT = Path(__file__).resolve().parents[2]


def approve_all(
    engine: Engine,
    settings: Settings,
    owner_id: int,
    *,
    send_now: bool = True,
    add_to_body: str | None = None,
) -> list[int]:
    """Approve every pending draft, each with ``add_to_body`` appended to its text if given."""
    with Session(engine) as session:
        pending = session.exec(
            select(Draft).where(Draft.status == DraftStatus.PENDING_REVIEW).order_by(col(Draft.id))
        ).all()
        bodies = {
            d.id: with_sentence(d.body, add_to_body) if add_to_body else None for d in pending
        }
    ids = list(bodies)
    for draft_id in ids:
        with session_scope(engine) as session:
            reviews.approve(
                session,
                draft_id=draft_id,
                viewer=user(engine, owner_id),
                settings=settings,
                final_body=bodies[draft_id],
                send_now=send_now,
                as_of=DAY,
            )
    return ids


def smtp_settings(settings: Settings, port: int) -> Settings:
    return settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{port}"})


def test_the_message_has_both_parts_threading_headers_attachment_and_history(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    ann = seed_owner(engine, email="ann@example.com")
    invoice_id = seed_invoices(engine, owner_id=ann)
    document = tmp_path / "2026-001.pdf"
    document.write_bytes(b"%PDF-1.4 test")
    with session_scope(engine) as session:
        invoice = session.get_one(Invoice, invoice_id)
        invoice.document_path = str(document)
        invoice.document_url = "https://files.example/2026-001?a=1&b=<2>"
        session.add(invoice)
    sweep(engine, settings)
    [draft_id] = approve_all(engine, settings, ann, add_to_body="Tom & Jerry say thanks.")
    with smtp_server() as (inbox, port):
        report = outbox.deliver_due(engine, settings=smtp_settings(settings, port))
        again = outbox.deliver_due(engine, settings=smtp_settings(settings, port))
    assert (report.sent, again.sent, len(inbox.messages)) == (1, 0, 1)
    mail = inbox.messages[0]
    with Session(engine) as session:
        row = session.exec(select(OutboxMessage)).one()
        sent_events = [
            e
            for e in history.list_for_invoice(session, invoice_id=invoice_id)
            if e.kind == "reminder_sent"
        ]
        draft = session.get_one(Draft, draft_id)
    assert mail["Message-ID"] == row.message_id
    assert mail["To"] == "ap@vandijk.example" and inbox.recipients == [["ap@vandijk.example"]]
    assert mail["Reply-To"] == "Ann <ann@example.com>"
    assert "2026-001" in mail["Subject"]
    plain = part_text(mail, "plain")
    rich = part_text(mail, "html")
    assert "Tom & Jerry say thanks." in plain
    assert "https://files.example/2026-001?a=1&b=<2>" in plain
    assert "Tom &amp; Jerry say thanks." in rich and "a=1&amp;b=&lt;2&gt;" in rich
    assert [a.get_filename() for a in mail.iter_attachments()] == ["2026-001.pdf"]
    assert [e.data["message_id"] for e in sent_events] == [row.message_id]
    assert draft.status == DraftStatus.SENT and row.status == OutboxStatus.SENT


def test_successive_reminders_for_an_invoice_thread_together(
    engine: Engine, settings: Settings
) -> None:
    settings = settings.model_copy(update={"min_days_between_contacts": 0})
    ann = seed_owner(engine, email="ann@example.com")
    seed_invoices(engine, owner_id=ann)
    with smtp_server() as (inbox, port):
        sweep(engine, settings, DUE + timedelta(days=3))
        approve_all(engine, settings, ann)
        outbox.deliver_due(engine, settings=smtp_settings(settings, port))
        sweep(engine, settings, DUE + timedelta(days=7))
        approve_all(engine, settings, ann)
        outbox.deliver_due(engine, settings=smtp_settings(settings, port))
    first, second = inbox.messages
    assert first["Message-ID"] != second["Message-ID"]
    assert second["In-Reply-To"] == first["Message-ID"]
    assert second["References"] == first["Message-ID"]


def test_without_smtp_the_message_is_an_eml_file(engine: Engine, settings: Settings) -> None:
    ann = seed_owner(engine, email="ann@example.com")
    seed_invoices(engine, owner_id=ann)
    sweep(engine, settings)
    approve_all(engine, settings, ann)
    assert not outbox.leaves_machine(settings)
    report = outbox.deliver_due(engine, settings=settings)
    files = list((settings.data_dir / "outbox").glob("*.eml"))
    assert report.sent == 1 and len(files) == 1
    with Session(engine) as session:
        row = session.exec(select(OutboxMessage)).one()
    assert row.transport == "file" and row.message_id.strip("<>") in files[0].name
    assert b"2026-001" in files[0].read_bytes()


def test_a_refused_connection_is_retried_with_backoff(engine: Engine, settings: Settings) -> None:
    ann = seed_owner(engine, email="ann@example.com")
    seed_invoices(engine, owner_id=ann)
    sweep(engine, settings)
    approve_all(engine, settings, ann)
    port = free_port()  # nothing listens here yet
    start = datetime.now(UTC)
    first = outbox.deliver_due(engine, settings=smtp_settings(settings, port), now=start)
    with Session(engine) as session:
        row = session.exec(select(OutboxMessage)).one()
    assert first.retried == 1 and row.status == OutboxStatus.PENDING and row.attempts == 1
    assert row.send_after >= start + timedelta(seconds=settings.outbox_backoff_seconds)
    too_early = outbox.deliver_due(engine, settings=smtp_settings(settings, port), now=start)
    assert too_early.sent == too_early.retried == 0
    with smtp_server() as (inbox, new_port):
        later = start + timedelta(seconds=settings.outbox_backoff_seconds + 1)
        sent = outbox.deliver_due(engine, settings=smtp_settings(settings, new_port), now=later)
    assert sent.sent == 1 and len(inbox.messages) == 1


def test_approved_mail_waits_for_business_hours_unless_sent_now(
    engine: Engine, settings: Settings
) -> None:
    ann = seed_owner(engine, email="ann@example.com")
    seed_invoices(engine, owner_id=ann)
    sweep(engine, settings)
    approve_all(engine, settings, ann, send_now=False)
    with Session(engine) as session:
        row = session.exec(select(OutboxMessage)).one()
    local = row.send_after.astimezone(ZoneInfo("Europe/Amsterdam"))
    assert local.weekday() < 5 and 9 <= local.hour < 17
    assert row.send_after >= datetime.now(UTC) - timedelta(seconds=5)


def test_two_senders_deliver_each_message_once(engine: Engine, settings: Settings) -> None:
    ann = seed_owner(engine, email="ann@example.com")
    for n in range(6):
        seed_invoices(
            engine,
            owner_id=ann,
            client_name=f"Client {n}",
            number=f"2026-1{n:02d}",
            contact=f"ap{n}@c.example",
        )
    sweep(engine, settings)
    assert len(approve_all(engine, settings, ann)) == 6
    with smtp_server() as (inbox, port):
        threads = [
            threading.Thread(
                target=outbox.deliver_due,
                args=(engine,),
                kwargs={"settings": smtp_settings(settings, port)},
            )
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    ids = [m["Message-ID"] for m in inbox.messages]
    assert len(ids) == 6 and len(set(ids)) == 6
    with Session(engine) as session:
        statuses = {r.status for r in session.exec(select(OutboxMessage))}
    assert statuses == {OutboxStatus.SENT}


def _run_dying_sender(database_url: str, smtp_url: str, data_dir: Path, when: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.review.crashing_sender",
            database_url,
            smtp_url,
            str(data_dir),
            when,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == -9, result.stderr


def test_a_sender_killed_after_sending_does_not_send_again_on_restart(
    engine: Engine, settings: Settings, database_url: str
) -> None:
    ann = seed_owner(engine, email="ann@example.com")
    invoice_id = seed_invoices(engine, owner_id=ann)
    sweep(engine, settings)
    approve_all(engine, settings, ann, add_to_body="We appreciate your attention to this.")
    with smtp_server() as (inbox, port):
        live = smtp_settings(settings, port)
        _run_dying_sender(database_url, live.smtp_url, settings.data_dir, "after-send")
        assert len(inbox.messages) == 1
        with Session(engine) as session:
            row = session.exec(select(OutboxMessage)).one()
        assert (row.status, row.phase, row.attempts) == ("sending", "committing", 1)
        # A restarted sender inside the lease leaves the row to its (presumed live) owner …
        assert outbox.deliver_due(engine, settings=live).sent == 0
        # … and after the lease it knows the server may have the message: it does not resend.
        later = datetime.now(UTC) + timedelta(seconds=live.outbox_lease_seconds + 1)
        report = outbox.deliver_due(engine, settings=live, now=later)
        assert (report.sent, report.unconfirmed, len(inbox.messages)) == (0, 1, 1)
        assert outbox.deliver_due(engine, settings=live, now=later).sent == 0
    assert len(inbox.messages) == 1
    with session_scope(engine) as session:
        confirmed = outbox.confirm_delivered(session, message_id=row.id, viewer=user(engine, ann))
        assert confirmed.status == OutboxStatus.SENT
        sent = [
            e
            for e in history.list_for_invoice(session, invoice_id=invoice_id)
            if e.kind == "reminder_sent"
        ]
    assert [e.data["message_id"] for e in sent] == [inbox.messages[0]["Message-ID"]]


def test_a_sender_killed_before_sending_is_resent_once_with_the_same_message_id(
    engine: Engine, settings: Settings, database_url: str
) -> None:
    ann = seed_owner(engine, email="ann@example.com")
    seed_invoices(engine, owner_id=ann)
    sweep(engine, settings)
    approve_all(engine, settings, ann)
    with smtp_server() as (inbox, port):
        live = smtp_settings(settings, port)
        _run_dying_sender(database_url, live.smtp_url, settings.data_dir, "before-send")
        assert inbox.messages == []
        later = datetime.now(UTC) + timedelta(seconds=live.outbox_lease_seconds + 1)
        report = outbox.deliver_due(engine, settings=live, now=later)
    with Session(engine) as session:
        row = session.exec(select(OutboxMessage)).one()
    assert (report.recovered, report.sent, len(inbox.messages)) == (1, 1, 1)
    assert inbox.messages[0]["Message-ID"] == row.message_id and row.attempts == 2


def test_owner_notifications_can_go_by_e_mail_once(engine: Engine, settings: Settings) -> None:
    settings = settings.model_copy(update={"notify_owners_by_email": True})
    ann = seed_owner(engine, email="ann@example.com")
    seed_invoices(engine, owner_id=ann)
    sweep(engine, settings)
    with Session(engine) as session:
        notes = session.exec(select(Notification)).all()
    assert notes
    with smtp_server() as (inbox, port):
        live = smtp_settings(settings, port)
        first = outbox.send_pass(engine, settings=live)
        second = outbox.send_pass(engine, settings=live)
    assert (first.sent, second.sent) == (len(notes), 0)
    assert {tuple(r) for r in inbox.recipients} == {("ann@example.com",)}
    assert all("/invoices/" in part_text(m, "plain") for m in inbox.messages)
    with Session(engine) as session:
        assert all(n.emailed_at is not None for n in session.exec(select(Notification)))
        assert [e.kind for e in history.list_for_invoice(session, invoice_id=1)].count(
            "reminder_sent"
        ) == 0


def test_a_sent_reminder_is_announced_to_webhook_subscribers_once(
    engine: Engine, settings: Settings
) -> None:
    from agent.models.api import WebhookDelivery
    from agent.services.webhooks import webhooks

    ann = seed_owner(engine, email="ann@example.com")
    seed_invoices(engine, owner_id=ann)
    with session_scope(engine) as session:
        webhooks.create_subscription(
            session,
            url="http://127.0.0.1:9/hook",
            events=[webhooks.REMINDER_SENT],
            created_by_user_id=ann,
        )
    sweep(engine, settings)
    [draft_id] = approve_all(engine, settings, ann)
    outbox.deliver_due(engine, settings=settings)
    outbox.deliver_due(engine, settings=settings)
    with Session(engine) as session:
        deliveries = session.exec(select(WebhookDelivery)).all()
        row = session.exec(select(OutboxMessage)).one()
    assert [(d.event, d.payload["data"]["draft_id"]) for d in deliveries] == [
        ("reminder.sent", draft_id)
    ]
    assert deliveries[0].payload["data"]["message_id"] == row.message_id
