"""The end of the ladder: one hand-over task per invoice after the wait, and the case file."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.actor import Actor
from agent.models import CollectionCase, EventKind, Invoice
from agent.models.notification import FollowUpTask
from agent.services.ledger import history, invoices
from agent.services.reminders import case_files, sweeps
from agent.services.reminders.milestones import Schedule
from agent.settings import Settings
from tests.factories import TEST_ACTOR, make_client, make_invoice, pay

DUE = date(2026, 3, 2)
LAST_REMINDER = date(2026, 3, 16)  # the overdue_14 reminder


class NoDrafts:
    def start(self, *, thread_id: str, as_of: date, new: bool = False) -> int | None:
        return None


def reminded(session: Session, *, name: str = "Acme", number: str = "C-1") -> Invoice:
    client = make_client(session, name=name, country="NL")
    invoice = make_invoice(session, client=client, number=number, due_date=DUE)
    history.record(
        session,
        invoice=invoice,
        kind=EventKind.REMINDER_SENT,
        actor=TEST_ACTOR,
        occurred_at=datetime(2026, 3, 16, 9, tzinfo=UTC),
        bump_version=False,
    )
    session.commit()
    return invoice


def sweep(engine: Engine, settings: Settings, day: date) -> int:
    report = sweeps.run(engine, as_of=day, settings=settings, pipeline=NoDrafts())
    return report.collection_handovers


def test_one_task_after_the_wait_and_never_twice(
    engine: Engine, session: Session, settings: Settings
) -> None:
    invoice = reminded(session)
    assert sweep(engine, settings, date(2026, 3, 29)) == 0  # 13 days after the last reminder
    assert sweep(engine, settings, date(2026, 3, 30)) == 1
    assert sweep(engine, settings, date(2026, 4, 30)) == 0
    with Session(engine) as fresh:
        tasks = fresh.exec(select(FollowUpTask).where(FollowUpTask.invoice_id == invoice.id)).all()
        handovers = [t for t in tasks if t.reason.startswith("Hand over to collection")]
        assert len(handovers) == 1
        assert "2026-03-16" in handovers[0].reason and "sends nothing" in handovers[0].reason
        case = fresh.exec(select(CollectionCase)).one()
        assert (case.last_reminder_date, case.opened_date) == (LAST_REMINDER, date(2026, 3, 30))
        kinds = [e.kind for e in history.list_for_invoice(fresh, invoice_id=invoice.id)]
        assert kinds.count("collection_handover") == 1


def test_paid_disputed_or_never_reminded_invoices_are_not_handed_over(
    engine: Engine, session: Session, settings: Settings
) -> None:
    paid = reminded(session, name="Paid", number="P-1")
    pay(session, paid, payment_date=date(2026, 3, 20))
    disputed = reminded(session, name="Disputed", number="D-1")
    invoices.open_dispute(
        session, invoice_id=disputed.id, reason="wrong", opened_date=DUE, actor=TEST_ACTOR
    )
    make_invoice(session, client=make_client(session, name="Silent"), due_date=DUE)
    session.commit()
    assert sweep(engine, settings, date(2026, 5, 1)) == 0


def test_reminder_days_and_wait_come_from_settings(settings: Settings) -> None:
    custom = settings.model_copy(update={"reminder_days": "5, 19", "collection_wait_days": 7})
    assert Schedule.from_settings(custom).overdue_days == (5, 19)
    with pytest.raises(ValueError, match="whole days"):
        Schedule.from_settings(settings.model_copy(update={"reminder_days": "5,x"}))


def test_the_case_file_holds_every_fact_and_escapes_client_text(session: Session) -> None:
    invoice = reminded(session, name="<script>alert(1)</script> AB")
    case = case_files.build(
        session, invoice_id=invoice.id, as_of=date(2026, 3, 30), actor=Actor.cli()
    )
    assert case["invoice"]["number"] == "C-1"
    assert [r["sent_at"][:10] for r in case["reminders_sent"]] == ["2026-03-16"]
    assert case["last_reminder_date"] == "2026-03-16"
    # 3–30 Mar: 28 days on 100.00 EUR at 10.15 % = 0.7786… → 0.78 EUR; 40 EUR compensation.
    assert (case["charges"]["interest_minor"], case["charges"]["compensation_minor"]) == (78, 4_000)
    page = case_files.render_html(case)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "40.00 EUR" in page
