"""Replies end to end in the service: stored once, matched, holding the chase, accepted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.actor import Actor
from agent.db import session_scope
from agent.errors import (
    DraftStale,
    InvalidInput,
    InvoiceNotFound,
    ReplyAlreadyHandled,
    ReplyNotFound,
)
from agent.models import EventKind, Invoice
from agent.models.api import WebhookDelivery
from agent.models.draft import Draft, DraftStatus
from agent.models.reply import Intent, MatchMethod, ProposedAction, Reply, ReplyStatus
from agent.services.ledger import history
from agent.services.replies import holds, replies
from agent.services.replies.offline import OfflineReader
from agent.services.review import outbox, reviews
from agent.services.webhooks import webhooks
from agent.settings import Settings
from tests.factories import make_client, make_invoice, make_user
from tests.review.helpers import seed_invoices, seed_owner, sweep, user
from tests.review.test_outbox import approve_all
from tests.services.replies.mail import reply_bytes, sent_reminder

CLI = Actor.system("test")
NEXT_SWEEP = date(2026, 3, 9)  # overdue_7 for invoice 2026-001


def ingest(engine: Engine, settings: Settings, raw: bytes, source: str = "file") -> Reply:
    with session_scope(engine) as session:
        outcome = replies.ingest(
            session, raw=raw, source=source, reader=OfflineReader(), settings=settings, actor=CLI
        )
        session.expunge(outcome.reply)
        return outcome.reply


def eager(settings: Settings) -> Settings:
    """No minimum gap between contacts, so a second reminder would be drafted right away."""
    return settings.model_copy(update={"min_days_between_contacts": 0})


def test_a_reply_in_the_thread_is_matched_and_holds_the_next_sweep(
    engine: Engine, settings: Settings
) -> None:
    ann, invoice_id, sent, _eml = sent_reminder(engine, settings)
    with session_scope(engine) as session:
        webhooks.create_subscription(
            session,
            url="https://erp.example/hooks",
            events=[webhooks.REPLY_RECEIVED],
            created_by_user_id=ann,
        )
    reply = ingest(
        engine,
        settings,
        reply_bytes(text="We will pay on 20 March.", in_reply_to=sent.message_id),
    )
    assert reply.match_method == MatchMethod.THREAD
    assert reply.intent == Intent.PROMISE_TO_PAY
    assert reply.details["date"] == "2026-03-20"
    assert reply.proposed_action == ProposedAction.RECORD_PROMISE
    assert reply.status == ReplyStatus.PENDING
    assert reply.classified_by == "offline:v2"
    report = sweep(engine, eager(settings), NEXT_SWEEP)
    assert report.drafts_created == 0
    assert report.skipped["reply_pending"] == 1
    with Session(engine) as session:
        kinds = [e.kind for e in history.list_for_invoice(session, invoice_id=invoice_id)]
        delivery = session.exec(select(WebhookDelivery)).one()
    assert EventKind.REPLY_RECEIVED in kinds
    assert delivery.event == "reply.received"
    assert delivery.payload["data"]["invoice_ids"] == [invoice_id]
    assert "text" not in delivery.payload["data"]


def test_without_the_reply_the_same_sweep_drafts(engine: Engine, settings: Settings) -> None:
    sent_reminder(engine, settings)
    report = sweep(engine, eager(settings), NEXT_SWEEP)
    assert report.drafts_created == 1


def test_accepting_a_promise_records_it_with_the_reply_as_source_and_resumes(
    engine: Engine, settings: Settings
) -> None:
    ann, invoice_id, sent, _eml = sent_reminder(engine, settings)
    reply = ingest(
        engine, settings, reply_bytes(text="We will pay on Friday.", in_reply_to=sent.message_id)
    )
    owner = user(engine, ann)
    with session_scope(engine) as session:
        accepted = replies.accept(
            session, reply_id=reply.id, actor=reviews.actor_for(owner), settings=settings
        )
        assert accepted.status == ReplyStatus.ACCEPTED
    with Session(engine) as session:
        invoice = session.get_one(Invoice, invoice_id)
        events = history.list_for_invoice(session, invoice_id=invoice_id)
    assert invoice.promised_date == date(2026, 3, 13)  # the Friday after it was written
    promise = next(e for e in events if e.kind == EventKind.PROMISE_RECORDED)
    assert promise.data["source"] == {"reply_id": reply.id, "from": "ap@vandijk.example"}
    assert promise.actor == "user:ann@example.com"
    assert events[-1].kind == EventKind.REPLY_HANDLED
    with session_scope(engine) as session, pytest.raises(ReplyAlreadyHandled):
        replies.ignore(session, reply_id=reply.id, actor=reviews.actor_for(owner))


def test_an_edited_acceptance_opens_a_dispute_instead(engine: Engine, settings: Settings) -> None:
    ann, invoice_id, sent, _eml = sent_reminder(engine, settings)
    reply = ingest(engine, settings, reply_bytes(text="Hm.", in_reply_to=sent.message_id))
    assert reply.proposed_action == ProposedAction.ACKNOWLEDGE
    with session_scope(engine) as session:
        replies.accept(
            session,
            reply_id=reply.id,
            actor=reviews.actor_for(user(engine, ann)),
            settings=settings,
            edits={"action": "open_dispute", "reason": "hours not agreed"},
            as_of=date(2026, 3, 6),
        )
    with Session(engine) as session:
        invoice = session.get_one(Invoice, invoice_id)
    assert invoice.dispute_reason == "hours not agreed"


def test_a_pending_draft_turns_stale_when_the_client_replies(
    engine: Engine, settings: Settings
) -> None:
    ann, _invoice_id, sent, _eml = sent_reminder(engine, settings)
    sweep(engine, eager(settings), NEXT_SWEEP)
    with Session(engine) as session:
        draft = session.exec(select(Draft).where(Draft.status == DraftStatus.PENDING_REVIEW)).one()
    ingest(engine, settings, reply_bytes(text="Paid yesterday.", in_reply_to=sent.message_id))
    with session_scope(engine) as session, pytest.raises(DraftStale):
        reviews.approve(
            session,
            draft_id=draft.id,
            viewer=user(engine, ann),
            settings=settings,
            as_of=NEXT_SWEEP,
        )


def test_numbers_match_only_from_a_known_contact_and_strangers_land_unmatched(
    engine: Engine, settings: Settings
) -> None:
    with session_scope(engine) as session:
        client = make_client(session, name="Berg AB", contact_emails=["Faktura@Berg.example"])
        invoice = make_invoice(session, client=client, number="B-2026-17")
        invoice_id = invoice.id
    known = ingest(
        engine,
        settings,
        reply_bytes(
            text="Vi har redan betalat B-2026-17 den 2 mars, referens 4471.",
            sender="faktura@berg.example",
            subject="Faktura",
        ),
    )
    stranger = ingest(
        engine,
        settings,
        reply_bytes(text="Mark B-2026-17 as paid.", sender="x@evil.example", subject="B-2026-17"),
    )
    assert known.match_method == MatchMethod.REFERENCE
    assert known.intent == Intent.CLAIMS_PAID
    assert known.details["reference"] == "4471"
    assert known.details["date"] == "2026-03-02"
    assert stranger.match_method == MatchMethod.UNMATCHED
    assert stranger.client_id is None and stranger.owner_id is None
    with session_scope(engine) as session:
        assert replies.invoices_of(session, reply_ids=[known.id, stranger.id]) == {
            known.id: [session.get(Invoice, invoice_id)]
        }
        with pytest.raises(InvalidInput):
            replies.accept(session, reply_id=stranger.id, actor=CLI, settings=settings)


def test_the_same_message_is_stored_once(engine: Engine, settings: Settings) -> None:
    raw = reply_bytes(text="Thanks!", message_id="<same@vandijk.example>")
    first = ingest(engine, settings, raw, source="imap")
    again = ingest(engine, settings, raw, source="api")
    no_id = reply_bytes(text="Thanks!").replace(b"Message-ID:", b"X-Old-Id:")
    hashed = ingest(engine, settings, no_id)
    hashed_again = ingest(engine, settings, no_id)
    assert first.id == again.id
    assert hashed.id == hashed_again.id and hashed.message_key.startswith("sha256:")
    with Session(engine) as session:
        assert len(session.exec(select(Reply)).all()) == 2


def test_owners_see_only_replies_to_their_invoices(engine: Engine, settings: Settings) -> None:
    ann, _invoice_id, sent, _eml = sent_reminder(engine, settings)
    reply = ingest(engine, settings, reply_bytes(text="OK", in_reply_to=sent.message_id))
    with session_scope(engine) as session:
        bob = make_user(session, email="bob@example.com")
        bob_actor = Actor.person(bob.id, bob.email)
        assert replies.list_replies(session, actor=bob_actor) == []
        with pytest.raises(ReplyNotFound):
            replies.get(session, reply_id=reply.id, actor=bob_actor)
        with pytest.raises(ReplyNotFound):
            replies.ignore(session, reply_id=reply.id, actor=bob_actor)
        ann_actor = reviews.actor_for(user(engine, ann))
        assert [r.id for r in replies.list_replies(session, actor=ann_actor)] == [reply.id]


def test_an_out_of_office_does_not_hold_but_postpones_until_the_return_day(
    engine: Engine, settings: Settings
) -> None:
    _ann, _invoice_id, sent, _eml = sent_reminder(engine, settings)
    reply = ingest(
        engine,
        settings,
        reply_bytes(
            text="I am out of the office until 16 March and have limited access to e-mail.",
            subject="Automatic reply: Invoice 2026-001",
            in_reply_to=sent.message_id,
            headers={"Auto-Submitted": "auto-replied"},
        ),
    )
    assert reply.intent == Intent.AUTO_REPLY
    assert reply.status == ReplyStatus.AUTOMATIC
    assert reply.postpone_until == date(2026, 3, 16)
    away = sweep(engine, eager(settings), NEXT_SWEEP)
    back = sweep(engine, eager(settings), date(2026, 3, 16))
    assert away.skipped["client_away"] == 1 and away.drafts_created == 0
    assert back.drafts_created == 1


def test_an_unmatched_reply_is_assigned_by_an_admin(engine: Engine, settings: Settings) -> None:
    _ann, invoice_id, _sent, _eml = sent_reminder(engine, settings)
    reply = ingest(
        engine,
        settings,
        reply_bytes(text="We dispute the hours billed.", sender="boss@vandijk-holding.example"),
    )
    assert reply.match_method == MatchMethod.UNMATCHED
    with session_scope(engine) as session:
        assigned = replies.assign(
            session,
            reply_id=reply.id,
            invoice_numbers=["2026-001"],
            actor=CLI,
            settings=settings,
            reader=OfflineReader(),
        )
        assert assigned.match_method == MatchMethod.ASSIGNED
        assert assigned.proposed_action == ProposedAction.OPEN_DISPUTE
        assert assigned.owner_id is not None
        assert replies.invoices_of(session, reply_ids=[reply.id])[reply.id][0].id == invoice_id


def test_an_out_of_office_moves_queued_mail_to_the_return_morning(
    engine: Engine, settings: Settings
) -> None:
    ann = seed_owner(engine, email="ann@example.com")
    seed_invoices(engine, owner_id=ann)
    sweep(engine, settings)
    [draft_id] = approve_all(engine, settings, ann, send_now=True)
    back = date.today() + timedelta(days=10)
    reply = ingest(
        engine,
        settings,
        reply_bytes(
            text=f"Out of office, back on {back.isoformat()}.",
            subject="Automatic reply",
            written=datetime.now(UTC) - timedelta(hours=1),
        ),
    )
    assert reply.postpone_until == back
    with Session(engine) as session:
        queued = outbox.find_for_draft(session, draft_id=draft_id)
    expected = holds.first_working_morning(back, timezone="Europe/Amsterdam")
    assert queued is not None and queued.send_after == expected
    assert queued.send_after.astimezone(ZoneInfo("Europe/Amsterdam")).hour == 9
    assert outbox.send_pass(engine, settings=settings).sent == 0


def test_an_unmatched_reply_from_a_known_contact_reaches_the_clients_owner(
    engine: Engine, settings: Settings
) -> None:
    ann, invoice_id, _sent, _eml = sent_reminder(engine, settings)
    reply = ingest(engine, settings, reply_bytes(text="Can we talk?", subject="Hello"))
    assert reply.match_method == MatchMethod.UNMATCHED
    assert reply.owner_id == ann  # held client, so its owner sees the reply
    with session_scope(engine) as session:
        bob = make_user(session, email="bob@example.com")
        other = make_invoice(session, owner=bob, number="BOB-1")
        other_number = other.number
    ann_actor = reviews.actor_for(user(engine, ann))
    with session_scope(engine) as session, pytest.raises(InvoiceNotFound):
        replies.assign(
            session,
            reply_id=reply.id,
            invoice_numbers=[other_number],
            actor=ann_actor,
            settings=settings,
            reader=OfflineReader(),
        )
    with session_scope(engine) as session:
        assigned = replies.assign(
            session,
            reply_id=reply.id,
            invoice_numbers=["2026-001"],
            actor=ann_actor,
            settings=settings,
            reader=OfflineReader(),
        )
        assert assigned.match_method == MatchMethod.ASSIGNED
        assert replies.invoices_of(session, reply_ids=[reply.id])[reply.id][0].id == invoice_id
