"""A pending draft that went stale is withdrawn by the next sweep, with the reason, and never
blocks the next milestone; a pause with an end date lets reminders resume by themselves."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agent.db import session_scope
from agent.models import Invoice
from agent.models.draft import Draft, DraftStatus
from agent.services.ledger import history, invoices
from agent.settings import Settings
from tests.factories import pay
from tests.review.helpers import DAY, DUE, seed_invoices, seed_owner, sweep


def _drafts(engine: Engine) -> list[Draft]:
    with Session(engine) as session:
        return list(session.exec(select(Draft).order_by(col(Draft.id))))


def test_a_stale_pending_draft_is_withdrawn_and_the_next_milestone_drafts(
    engine: Engine, settings: Settings
) -> None:
    settings = settings.model_copy(update={"min_days_between_contacts": 0})
    ann = seed_owner(engine, email="ann@example.com")
    invoice_id = seed_invoices(engine, owner_id=ann)
    sweep(engine, settings, DAY)
    with session_scope(engine) as session:
        pay(session, session.get_one(Invoice, invoice_id), amount_minor=3_450, payment_date=DAY)
    report = sweep(engine, settings, DUE + timedelta(days=7))
    old, new = _drafts(engine)
    assert old.status == DraftStatus.WITHDRAWN and old.decision_note is not None
    assert "withdrawn automatically" in old.decision_note
    assert "changed after the draft was written" in old.decision_note
    assert new.status == DraftStatus.PENDING_REVIEW and new.milestone == "overdue_7"
    assert report.drafts_created == 1
    with Session(engine) as session:
        kinds = [e.kind for e in history.list_for_invoice(session, invoice_id=invoice_id)]
    assert "reminder_withdrawn" in kinds


def test_a_fresh_pending_draft_still_blocks_a_second_one(
    engine: Engine, settings: Settings
) -> None:
    settings = settings.model_copy(update={"min_days_between_contacts": 0})
    ann = seed_owner(engine, email="ann@example.com")
    seed_invoices(engine, owner_id=ann)
    sweep(engine, settings, DAY)
    report = sweep(engine, settings, DUE + timedelta(days=7))
    assert [d.status for d in _drafts(engine)] == [DraftStatus.PENDING_REVIEW]
    assert report.skipped["pending_draft"] == 1


def test_a_pause_until_a_day_resumes_by_itself(engine: Engine, settings: Settings) -> None:
    ann = seed_owner(engine, email="ann@example.com")
    invoice_id = seed_invoices(engine, owner_id=ann)
    with session_scope(engine) as session:
        invoice = session.get_one(Invoice, invoice_id)
        invoice.reminders_paused = True
        invoice.reminders_paused_until = DUE + timedelta(days=5)
        session.add(invoice)
    assert sweep(engine, settings, DAY).skipped["paused"] == 1
    assert sweep(engine, settings, DUE + timedelta(days=7)).drafts_created == 1
    with Session(engine) as session:
        invoice = session.get_one(Invoice, invoice_id)
    assert invoices.paused_on(invoice, date(2026, 3, 6))
    assert not invoices.paused_on(invoice, date(2026, 3, 7))
