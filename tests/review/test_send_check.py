"""What leaves is still true when it leaves: the send-time check, the SMTP edge, every due row."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import date, timedelta
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent import runtime
from agent.actor import Actor
from agent.db import session_scope
from agent.models import Invoice
from agent.models.draft import Draft, DraftStatus
from agent.models.notification import Notification, NotificationKind
from agent.models.outbox import OutboxMessage, OutboxStatus
from agent.services.ledger import history, invoices
from agent.services.review import outbox
from agent.settings import Settings
from tests.factories import pay
from tests.live import free_port
from tests.review.helpers import seed_invoices, seed_owner, sweep
from tests.review.smtp_server import Inbox, smtp_server
from tests.review.test_outbox import approve_all, smtp_settings

ACTOR = Actor.system("test")
TODAY = date.today()


def _paid(session: Session, invoice: Invoice) -> None:
    pay(session, invoice)


def _part_paid(session: Session, invoice: Invoice) -> None:
    pay(session, invoice, amount_minor=23_450)


def _disputed(session: Session, invoice: Invoice) -> None:
    invoices.open_dispute(
        session, invoice_id=invoice.id, reason="wrong hours", opened_date=TODAY, actor=ACTOR
    )


def _paused(session: Session, invoice: Invoice) -> None:
    invoices.set_reminders_paused(
        session, invoice_id=invoice.id, paused=True, reason="call first", actor=ACTOR
    )


def _promised(session: Session, invoice: Invoice) -> None:
    invoices.record_promise(
        session,
        invoice_id=invoice.id,
        promised_date=TODAY + timedelta(days=10),
        note="on the phone",
        actor=ACTOR,
    )


def _extended(session: Session, invoice: Invoice) -> None:
    invoices.extend_due_date(
        session,
        invoice_id=invoice.id,
        new_due_date=TODAY + timedelta(days=30),
        reason="agreed",
        actor=ACTOR,
    )


def _voided(session: Session, invoice: Invoice) -> None:
    invoices.void(
        session, invoice_id=invoice.id, closed_date=TODAY, reason="duplicate", actor=ACTOR
    )


CHANGES: dict[str, tuple[Callable[[Session, Invoice], None], OutboxStatus, str, bool]] = {
    # name: (what happens after approval, outbox status, reason fragment, fresh draft?)
    "paid": (_paid, OutboxStatus.CANCELLED, "has been paid in full", False),
    "partly paid": (_part_paid, OutboxStatus.HELD, "the ledger now 1000.00 EUR", True),
    "disputed": (_disputed, OutboxStatus.HELD, "is disputed", False),
    "paused": (_paused, OutboxStatus.HELD, "are paused", False),
    "promised": (_promised, OutboxStatus.HELD, "promised to pay invoice 2026-001", False),
    "extended": (_extended, OutboxStatus.HELD, "states due 2026-03-02", True),
    "voided": (_voided, OutboxStatus.CANCELLED, "is void", False),
}


def _approved(engine: Engine, settings: Settings) -> tuple[int, int, int]:
    ann = seed_owner(engine, email="ann@example.com")
    invoice_id = seed_invoices(engine, owner_id=ann)
    sweep(engine, settings)
    [draft_id] = approve_all(engine, settings, ann)
    return ann, invoice_id, draft_id


def _change(engine: Engine, invoice_id: int, change: Callable[[Session, Invoice], None]) -> None:
    with session_scope(engine) as session:
        change(session, session.get_one(Invoice, invoice_id))


@pytest.mark.parametrize("name", list(CHANGES))
def test_an_approved_reminder_is_not_sent_when_the_ledger_moved_on(
    engine: Engine, settings: Settings, name: str
) -> None:
    change, status, fragment, fresh = CHANGES[name]
    ann, invoice_id, draft_id = _approved(engine, settings)
    _change(engine, invoice_id, change)
    report = runtime.send_pass(engine, settings=settings)
    assert report.sent == 0 and not list((settings.data_dir / "outbox").glob("*.eml"))
    with Session(engine) as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.draft_id == draft_id)).one()
        draft = session.get_one(Draft, draft_id)
        kinds = [e.kind for e in history.list_for_invoice(session, invoice_id=invoice_id)]
        notes = session.exec(
            select(Notification).where(Notification.kind == NotificationKind.REMINDER_HELD)
        ).all()
        pending = session.exec(
            select(Draft).where(Draft.status == DraftStatus.PENDING_REVIEW)
        ).all()
    assert row.hold_reason is not None and draft.decision_note is not None
    assert row.status == status and fragment in row.hold_reason, row.hold_reason
    assert draft.status == str(status) and fragment in draft.decision_note
    assert ("reminder_cancelled" if status == OutboxStatus.CANCELLED else "reminder_held") in kinds
    assert [n.owner_id for n in notes] == [ann] and fragment in notes[0].message
    assert (report.held, report.cancelled) == ((1, 0) if status == OutboxStatus.HELD else (0, 1))
    if fresh:
        assert [d.id for d in pending] == [draft.superseded_by_id]
    else:
        assert pending == [] and draft.superseded_by_id is None
    assert outbox.deliver_due(engine, settings=settings).sent == 0


def test_the_fresh_draft_states_what_is_owed_now(engine: Engine, settings: Settings) -> None:
    _ann, invoice_id, draft_id = _approved(engine, settings)
    _change(engine, invoice_id, _part_paid)
    runtime.send_pass(engine, settings=settings)
    with Session(engine) as session:
        fresh_id = session.get_one(Draft, draft_id).superseded_by_id
        fresh = session.get_one(Draft, fresh_id)
    assert "1.000,00" in fresh.body and "1.234,50" not in fresh.body


class PaymentDuringSend:
    """A transport that lets a payment be recorded after the claim, before the message goes."""

    def __init__(self, inner: outbox.Transport, engine: Engine, invoice_id: int) -> None:
        self.inner, self.engine, self.invoice_id = inner, engine, invoice_id
        self.name = inner.name

    def deliver(
        self, message: EmailMessage, *, recipients: list[str], on_commit: Callable[[], None]
    ) -> str:
        _change(self.engine, self.invoice_id, _paid)
        return self.inner.deliver(message, recipients=recipients, on_commit=on_commit)

    def confirms(self, row: OutboxMessage) -> bool:
        return self.inner.confirms(row)


def test_a_payment_between_claim_and_smtp_stops_the_message(
    engine: Engine, settings: Settings
) -> None:
    _ann, invoice_id, _draft_id = _approved(engine, settings)
    with smtp_server() as (inbox, port):
        live = smtp_settings(settings, port)
        transport = PaymentDuringSend(outbox.transport_from_settings(live), engine, invoice_id)
        report = outbox.deliver_due(engine, settings=live, transport=transport)
        assert outbox.deliver_due(engine, settings=live).sent == 0
    assert inbox.messages == [] and (report.sent, report.cancelled) == (0, 1)
    with Session(engine) as session:
        row = session.exec(select(OutboxMessage)).one()
    assert row.status == OutboxStatus.CANCELLED and row.hold_reason is not None
    assert "paid in full" in row.hold_reason


def test_a_payment_between_claim_and_file_write_leaves_no_eml(
    engine: Engine, settings: Settings
) -> None:
    _ann, invoice_id, _draft_id = _approved(engine, settings)
    transport = PaymentDuringSend(outbox.transport_from_settings(settings), engine, invoice_id)
    report = outbox.deliver_due(engine, settings=settings, transport=transport)
    assert report.cancelled == 1 and list((settings.data_dir / "outbox").iterdir()) == []


class SlowToAnswer(Inbox):
    """Stores the message, then answers the final "." only after the client gave up."""

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(1.5)
        return "250 Message accepted for delivery"


def test_a_timeout_after_the_final_dot_is_unconfirmed_never_an_ordinary_retry(
    engine: Engine, settings: Settings
) -> None:
    _approved(engine, settings)
    inbox, port = SlowToAnswer(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        live = smtp_settings(settings, port).model_copy(update={"smtp_timeout_seconds": 0.5})
        report = outbox.deliver_due(engine, settings=live)
        again = outbox.deliver_due(engine, settings=live)
    finally:
        controller.stop()
    assert (report.sent, report.retried, report.unconfirmed) == (0, 0, 1)
    assert (again.sent, again.retried, len(inbox.messages)) == (0, 0, 1)
    with Session(engine) as session:
        row = session.exec(select(OutboxMessage)).one()
    assert row.status == OutboxStatus.UNCONFIRMED and row.last_error is not None
    assert "may have been delivered" in row.last_error
    assert inbox.messages[0]["Message-ID"] == row.message_id


def test_a_timeout_after_the_dot_is_resent_with_the_same_message_id_when_allowed(
    engine: Engine, settings: Settings
) -> None:
    _approved(engine, settings)
    inbox, port = SlowToAnswer(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        live = smtp_settings(settings, port).model_copy(
            update={"smtp_timeout_seconds": 0.5, "outbox_resend_unconfirmed": True}
        )
        outbox.deliver_due(engine, settings=live)
    finally:
        controller.stop()
    with Session(engine) as session:
        row = session.exec(select(OutboxMessage)).one()
    assert row.status == OutboxStatus.PENDING and row.last_attempt_at is not None
    assert row.send_after > row.last_attempt_at
    assert len(inbox.messages) == 1


def _bare_rows(engine: Engine, count: int) -> None:
    with session_scope(engine) as session:
        for n in range(count):
            session.add(
                OutboxMessage(
                    dedupe_key=f"bulk:{n}",
                    message_id=f"<bulk-{n}@paytrack.test>",
                    from_addr="paytrack@example.com",
                    to_addrs=["owner@example.com"],
                    subject=f"note {n}",
                    text_body="hello\n",
                    html_body="<p>hello</p>",
                )
            )


def test_one_pass_delivers_every_due_message_not_just_the_first_hundred(
    engine: Engine, settings: Settings
) -> None:
    _bare_rows(engine, 130)
    report = outbox.send_pass(engine, settings=settings)
    assert report.sent == 130
    assert len(list((settings.data_dir / "outbox").glob("*.eml"))) == 130


def test_concurrent_senders_mailing_owner_notifications_do_not_crash(
    engine: Engine, settings: Settings
) -> None:
    settings = settings.model_copy(update={"notify_owners_by_email": True})
    ann = seed_owner(engine, email="ann@example.com")
    invoice_id = seed_invoices(engine, owner_id=ann)
    with session_scope(engine) as session:
        invoice = session.get_one(Invoice, invoice_id)
        for n in range(40):
            session.add(
                Notification(
                    owner_id=ann,
                    kind=NotificationKind.NEWLY_OVERDUE,
                    invoice_id=invoice.id,
                    message=f"note {n}",
                    dedupe_key=f"test:{n}",
                )
            )
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            outbox.send_pass(engine, settings=settings)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert len(rows) == 40 and {r.status for r in rows} == {OutboxStatus.SENT}
    assert len(list((settings.data_dir / "outbox").glob("*.eml"))) == 40
