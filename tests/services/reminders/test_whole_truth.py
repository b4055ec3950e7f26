"""A grouped reminder states every open overdue invoice of the client, not only the ones that
reached a milestone today, so its totals are what the client really owes."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.db import session_scope
from agent.models import Client, Invoice, User
from agent.models.draft import Draft, DraftStatus
from agent.services.review import drafts, reviews
from agent.settings import Settings
from tests.factories import make_invoice
from tests.review.helpers import DAY, DUE, seed_invoices, seed_owner, sweep, user


def _second_invoice(engine: Engine, *, owner_id: int, due: date, number: str) -> int:
    with session_scope(engine) as session:
        client = session.exec(select(Client)).one()
        invoice = make_invoice(
            session,
            client=client,
            owner=session.get(User, owner_id),
            number=number,
            amount_minor=50_000,
            issue_date=date(2026, 1, 20),
            due_date=due,
        )
        return invoice.id


def test_the_reminder_lists_the_clients_other_overdue_invoices(
    engine: Engine, settings: Settings
) -> None:
    settings = settings.model_copy(update={"min_days_between_contacts": 0})
    ann = seed_owner(engine, email="ann@example.com")
    seed_invoices(engine, owner_id=ann)
    older = _second_invoice(engine, owner_id=ann, due=DUE - timedelta(days=2), number="2026-000")
    sweep(engine, settings, DUE + timedelta(days=1))
    with session_scope(engine) as session:
        [first] = session.exec(select(Draft)).all()
        reviews.reject(session, draft_id=first.id, viewer=user(engine, ann), reason="not yet")
    sweep(engine, settings, DAY)
    with Session(engine) as session:
        draft = session.exec(select(Draft).where(Draft.status == DraftStatus.PENDING_REVIEW)).one()
        listed = {
            invoice.number: row
            for row, invoice in drafts.listed_invoices(session, draft_id=draft.id)
        }
        assert session.get_one(Invoice, older).number in listed
    assert set(listed) == {"2026-000", "2026-001"}
    assert listed["2026-000"].milestone == "overdue_3" and listed["2026-000"].days_overdue == 5
    assert "2026-000" in draft.body and "2026-001" in draft.body
    assert sum(row.outstanding_minor for row in listed.values()) == 123_450 + 50_000
