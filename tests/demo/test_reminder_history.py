"""The demo's reminder history is true to its ledger and shows in the monthly review."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agent.demo.ledger import generate_ledger
from agent.demo.reminder_history import QUIET_DAYS, add_reminder_history
from agent.models import Invoice, Payment
from agent.models.draft import Draft, DraftInvoice, DraftStatus
from agent.models.notification import FollowUpTask, TaskStatus
from agent.models.outbox import OutboxMessage, OutboxStatus
from agent.services.reporting import reports_monthly
from agent.settings import Settings
from tests.factories import TEST_ACTOR

END = date(2026, 6, 30)


def test_reminders_stop_once_paid_and_every_sent_one_has_its_message(
    engine: Engine, settings: Settings
) -> None:
    generate_ledger(engine, invoices=500, seed=3, end_date=END)
    made = add_reminder_history(engine, seed=3, end_date=END)
    assert made.sent > 50 and made.rejected > 0 and made.tasks_done > 0
    with Session(engine) as session:
        paid: dict[int, list[tuple[date, int]]] = defaultdict(list)
        for invoice_id, day, amount in session.exec(
            select(
                col(Payment.invoice_id), col(Payment.payment_date), col(Payment.amount_minor)
            ).order_by(col(Payment.payment_date))
        ):
            paid[invoice_id].append((day, amount))
        rows = session.exec(
            select(Draft, DraftInvoice, Invoice)
            .join(DraftInvoice, col(DraftInvoice.draft_id) == Draft.id)
            .join(Invoice, col(Invoice.id) == DraftInvoice.invoice_id)
        ).all()
        sent_messages = session.exec(
            select(OutboxMessage.draft_id).where(OutboxMessage.status == OutboxStatus.SENT)
        ).all()
        tasks = session.exec(select(FollowUpTask)).all()
    assert len(rows) == made.sent + made.rejected
    for draft, listed, invoice in rows:
        day = draft.sweep_date
        assert day <= END - timedelta(days=QUIET_DAYS)
        before = sum(amount for paid_on, amount in paid[invoice.id] if paid_on < day)
        assert listed.outstanding_minor == invoice.amount_minor - before > 0
    sent_ids = {d.id for d, _, _ in rows if d.status == DraftStatus.SENT}
    assert set(sent_messages) == sent_ids
    assert {t.status for t in tasks} <= {TaskStatus.OPEN, TaskStatus.DONE}
    assert all(t.close_note for t in tasks if t.status == TaskStatus.DONE)

    with Session(engine) as session:
        review = reports_monthly.monthly_review(
            session, month=date(2026, 3, 1), settings=settings, actor=TEST_ACTOR
        )
    assert sum(r.sent for r in review.reminders) > 0
    assert len(set(review.suggestions)) == len(review.suggestions)
