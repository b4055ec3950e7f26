"""The review rules: who decides, staleness, snooze, redraft, and approval enqueueing once."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent import runtime
from agent.db import session_scope
from agent.errors import DraftAlreadyDecided, DraftNotFound, DraftStale, Forbidden, InvalidInput
from agent.models import UserRole
from agent.models.draft import Draft, DraftStatus, Tone
from agent.models.outbox import OutboxMessage
from agent.runtime import open_pipeline
from agent.services.ledger import history, invoices
from agent.services.review import drafts, reviews
from agent.settings import Settings
from tests.factories import TEST_ACTOR, pay
from tests.review.helpers import DAY, seed_invoices, seed_owner, sweep, user, with_sentence


@pytest.fixture
def world(engine: Engine, settings: Settings) -> dict[str, int]:
    ann = seed_owner(engine, email="ann@example.com")
    bob = seed_owner(engine, email="bob@example.com")
    admin = seed_owner(engine, email="root@example.com", role=UserRole.ADMIN)
    invoice = seed_invoices(engine, owner_id=ann)
    seed_invoices(engine, owner_id=bob, client_name="Bob's Client", number="2026-900")
    sweep(engine, settings)
    with Session(engine) as session:
        ann_draft = session.exec(select(Draft).where(Draft.owner_id == ann)).one()
    return {"ann": ann, "bob": bob, "admin": admin, "invoice": invoice, "draft": ann_draft.id}


def test_owners_see_their_own_queue_and_admins_every_queue(
    engine: Engine, settings: Settings, world: dict[str, int]
) -> None:
    with Session(engine) as session:
        mine = reviews.queue(
            session, viewer=user(engine, world["ann"]), as_of=DAY, settings=settings
        )
        every = reviews.queue(
            session, viewer=user(engine, world["admin"]), as_of=DAY, settings=settings
        )
        with pytest.raises(Forbidden):
            reviews.queue(
                session,
                viewer=user(engine, world["ann"]),
                owner_id=world["bob"],
                as_of=DAY,
                settings=settings,
            )
    assert [i.draft.id for i in mine] == [world["draft"]]
    assert mine[0].invoice_numbers == ["2026-001"] and mine[0].outstanding_minor == 123_450
    assert mine[0].stale_reasons == []
    assert {i.client.name for i in every} == {"Van Dijk Studio", "Bob's Client"}


def test_only_the_owner_or_an_admin_decides_another_owner_finds_nothing(
    engine: Engine, settings: Settings, world: dict[str, int]
) -> None:
    with session_scope(engine) as session, pytest.raises(DraftNotFound):
        reviews.approve(
            session,
            draft_id=world["draft"],
            viewer=user(engine, world["bob"]),
            settings=settings,
            as_of=DAY,
        )
    with session_scope(engine) as session:
        draft = reviews.reject(
            session,
            draft_id=world["draft"],
            viewer=user(engine, world["admin"]),
            reason="wrong contact",
        )
        assert (draft.status, draft.decision_note) == (DraftStatus.REJECTED, "wrong contact")
        assert draft.decided_by_user_id == world["admin"]


def test_approval_records_the_final_text_and_enqueues_exactly_once(
    engine: Engine, settings: Settings, world: dict[str, int]
) -> None:
    ann = user(engine, world["ann"])
    with Session(engine) as session:
        edited = with_sentence(
            session.get_one(Draft, world["draft"]).body, "Ann sends her regards."
        )
    with session_scope(engine) as session:
        draft = reviews.approve(
            session,
            draft_id=world["draft"],
            viewer=ann,
            settings=settings,
            final_body=edited,
            send_now=True,
            as_of=DAY,
        )
        assert draft.final_body == edited
    with session_scope(engine) as session, pytest.raises(DraftAlreadyDecided):
        reviews.approve(session, draft_id=world["draft"], viewer=ann, settings=settings, as_of=DAY)
    # The thread resumes; its apply step enqueues again and finds the row: still one message.
    assert runtime.resume_thread(engine, draft_id=world["draft"], settings=settings)
    assert not runtime.resume_thread(engine, draft_id=world["draft"], settings=settings)
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
        kinds = [e.kind for e in history.list_for_invoice(session, invoice_id=world["invoice"])]
    assert len(rows) == 1
    assert rows[0].message_id.startswith(f"<draft-{world['draft']}.")
    assert rows[0].to_addrs == ["ap@vandijk.example"]
    assert rows[0].reply_to == "Ann <ann@example.com>"
    assert "2026-001" in rows[0].subject
    assert "Ann sends her regards." in rows[0].text_body
    assert kinds[-1] == "reminder_approved"
    with open_pipeline(engine, settings) as pipeline:
        with Session(engine) as session:
            thread = drafts.get(session, draft_id=world["draft"]).thread_id
        assert pipeline.state(thread_id=thread)["outcome"] == "approve"


@pytest.mark.parametrize("change", ["paid", "disputed", "paused", "extended"])
def test_a_draft_whose_invoice_moved_on_cannot_be_approved(
    engine: Engine, settings: Settings, world: dict[str, int], change: str
) -> None:
    with session_scope(engine) as session:
        invoice = invoices.get(session, invoice_id=world["invoice"], actor=TEST_ACTOR)
        if change == "paid":
            pay(session, invoice, payment_date=DAY)
        elif change == "disputed":
            invoices.open_dispute(
                session,
                invoice_id=invoice.id,
                reason="wrong rate",
                opened_date=DAY,
                actor=TEST_ACTOR,
            )
        elif change == "paused":
            invoices.set_reminders_paused(
                session, invoice_id=invoice.id, paused=True, reason="call first", actor=TEST_ACTOR
            )
        else:
            invoices.extend_due_date(
                session,
                invoice_id=invoice.id,
                new_due_date=DAY + timedelta(days=10),
                reason="agreed",
                actor=TEST_ACTOR,
            )
    with session_scope(engine) as session, pytest.raises(DraftStale) as caught:
        reviews.approve(
            session,
            draft_id=world["draft"],
            viewer=user(engine, world["ann"]),
            settings=settings,
            as_of=DAY,
        )
    expected = {
        "paid": "has been paid",
        "disputed": "is disputed",
        "paused": "paused",
        "extended": "changed after the draft",
    }[change]
    assert expected in caught.value.message
    with Session(engine) as session:
        assert session.exec(select(OutboxMessage)).all() == []
        assert drafts.get(session, draft_id=world["draft"]).status == DraftStatus.PENDING_REVIEW


def test_redraft_supersedes_with_a_fresh_draft_in_the_chosen_tone(
    engine: Engine, settings: Settings, world: dict[str, int]
) -> None:
    with session_scope(engine) as session:
        invoice = invoices.get(session, invoice_id=world["invoice"], actor=TEST_ACTOR)
        pay(session, invoice, amount_minor=23_450, payment_date=DAY)  # partly paid since
    new_id = runtime.redraft(
        engine,
        draft_id=world["draft"],
        viewer=user(engine, world["ann"]),
        settings=settings,
        tone=Tone.FIRM,
        as_of=DAY,
    )
    with Session(engine) as session:
        old = drafts.get(session, draft_id=world["draft"])
        new = drafts.get(session, draft_id=new_id)
        listed = drafts.listed_invoices(session, draft_id=new_id)
    assert (old.status, old.superseded_by_id) == (DraftStatus.SUPERSEDED, new_id)
    assert new.status == DraftStatus.PENDING_REVIEW and new.tone == Tone.FIRM
    assert "reviewer asked for firm" in new.tone_reason
    assert listed[0][0].outstanding_minor == 100_000
    with session_scope(engine) as session:
        assert (
            reviews.approve(
                session,
                draft_id=new_id,
                viewer=user(engine, world["ann"]),
                settings=settings,
                as_of=DAY,
            ).status
            == DraftStatus.APPROVED
        )
    assert sweep(engine, settings).drafts_created == 0


def test_redraft_of_a_paid_invoice_is_refused(
    engine: Engine, settings: Settings, world: dict[str, int]
) -> None:
    with session_scope(engine) as session:
        pay(
            session,
            invoices.get(session, invoice_id=world["invoice"], actor=TEST_ACTOR),
            payment_date=DAY,
        )
    with pytest.raises(DraftStale):
        runtime.redraft(
            engine,
            draft_id=world["draft"],
            viewer=user(engine, world["ann"]),
            settings=settings,
            as_of=DAY,
        )


def test_snooze_hides_the_draft_until_its_day(
    engine: Engine, settings: Settings, world: dict[str, int]
) -> None:
    ann = user(engine, world["ann"])
    until = date.today() + timedelta(days=2)
    with session_scope(engine) as session:
        reviews.snooze(session, draft_id=world["draft"], viewer=ann, until=until)
    with Session(engine) as session:
        assert reviews.queue(session, viewer=ann, as_of=date.today(), settings=settings) == []
        back = reviews.queue(session, viewer=ann, as_of=until, settings=settings)
    assert [i.draft.id for i in back] == [world["draft"]]
    with session_scope(engine) as session, pytest.raises(InvalidInput):
        reviews.snooze(session, draft_id=world["draft"], viewer=ann, until=date.today())


def test_reject_needs_a_reason(engine: Engine, settings: Settings, world: dict[str, int]) -> None:
    with session_scope(engine) as session, pytest.raises(InvalidInput):
        reviews.reject(
            session, draft_id=world["draft"], viewer=user(engine, world["ann"]), reason=" "
        )


def test_two_simultaneous_approvals_record_one_decision_and_one_message(
    engine: Engine, settings: Settings, world: dict[str, int]
) -> None:
    ann = user(engine, world["ann"])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve() -> None:
        barrier.wait()
        try:
            with session_scope(engine) as session:
                reviews.approve(
                    session, draft_id=world["draft"], viewer=ann, settings=settings, as_of=DAY
                )
            outcomes.append("approved")
        except DraftAlreadyDecided:
            outcomes.append("already decided")

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already decided", "approved"]
    with Session(engine) as session:
        assert len(session.exec(select(OutboxMessage)).all()) == 1
        kinds = [e.kind for e in history.list_for_invoice(session, invoice_id=world["invoice"])]
    assert kinds.count("reminder_approved") == 1
