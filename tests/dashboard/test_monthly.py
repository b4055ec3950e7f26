"""The monthly review against a hand-computed March 2026: reminders, exceptions, suggestions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, col, select

from agent.errors import InvalidInput
from agent.models import Client, Invoice, User
from agent.models.draft import DraftInvoice, DraftStatus, Tone
from agent.models.invoice_event import EventKind, InvoiceEvent
from agent.models.outbox import OutboxMessage, OutboxStatus
from agent.services.ledger import invoices
from agent.services.reporting import reports_monthly
from agent.settings import Settings
from tests.dashboard.ledger import draft
from tests.factories import TEST_ACTOR, make_client, make_invoice, make_user, pay

MARCH = date(2026, 3, 1)
JUDGED = date(2026, 4, 15)
# number: (tone, milestone, reminder sent, paid in full on)
PLAN = {
    "R1": (Tone.FRIENDLY, "overdue_7", date(2026, 3, 8), date(2026, 3, 12)),  # within 7 days
    "R2": (Tone.FRIENDLY, "overdue_7", date(2026, 3, 8), date(2026, 3, 20)),
    "R3": (Tone.FRIENDLY, "overdue_7", date(2026, 3, 9), date(2026, 3, 16)),  # day 7 counts
    "R4": (Tone.FIRM, "overdue_14", date(2026, 3, 19), None),
    "R5": (Tone.FIRM, "overdue_14", date(2026, 3, 19), date(2026, 3, 27)),  # day 8
    "R6": (Tone.FIRM, "overdue_14", date(2026, 3, 20), date(2026, 4, 2)),
    "R7": (Tone.FRIENDLY, "overdue_7", date(2026, 2, 27), date(2026, 3, 1)),  # February
}


def backdate(session: Session, invoice: Invoice, kind: EventKind, day: date) -> None:
    event = session.exec(
        select(InvoiceEvent)
        .where(InvoiceEvent.invoice_id == invoice.id, InvoiceEvent.kind == kind)
        .order_by(col(InvoiceEvent.id).desc())
    ).first()
    assert event is not None
    event.occurred_at = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
    session.add(event)


def sent_reminder(
    session: Session, invoice: Invoice, tone: Tone, milestone: str, day: date
) -> None:
    client, owner = (
        session.get_one(Client, invoice.client_id),
        session.get_one(User, invoice.owner_id),
    )
    row = draft(session, client=client, owner=owner, status=DraftStatus.SENT)
    row.tone, row.milestone, row.thread_id = tone, milestone, f"t-{invoice.number}"
    session.add(row)
    session.add(
        DraftInvoice(
            draft_id=row.id,
            invoice_id=invoice.id,
            milestone=milestone,
            outstanding_minor=invoice.amount_minor,
            currency=invoice.currency,
            due_date=invoice.due_date,
            days_overdue=(day - invoice.due_date).days,
            invoice_version=invoice.version,
        )
    )
    session.add(
        OutboxMessage(
            dedupe_key=f"draft:{row.id}",
            draft_id=row.id,
            message_id=f"<{invoice.number}@test>",
            from_addr="ar@example.com",
            subject="Reminder",
            text_body="Please pay",
            html_body="<p>Please pay</p>",
            invoice_ids=[invoice.id],
            status=OutboxStatus.SENT,
            sent_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
        )
    )
    session.flush()


@pytest.fixture
def review(session: Session, settings: Settings) -> reports_monthly.MonthlyReview:
    owner = make_user(session, name="Ann", email="ann@example.com")
    acme = make_client(session, name="Acme BV")
    rows = {
        number: make_invoice(
            session,
            client=acme,
            owner=owner,
            number=number,
            amount_minor=10_000,
            issue_date=date(2026, 1, 30),
            due_date=date(2026, 3, 1),
        )
        for number in PLAN
    }
    invoices.record_promise(
        session,
        invoice_id=rows["R1"].id,
        actor=TEST_ACTOR,
        promised_date=date(2026, 3, 12),
        note="",
    )
    backdate(session, rows["R1"], EventKind.PROMISE_RECORDED, date(2026, 3, 9))
    invoices.record_promise(
        session,
        invoice_id=rows["R2"].id,
        actor=TEST_ACTOR,
        promised_date=date(2026, 3, 15),
        note="",
    )
    backdate(session, rows["R2"], EventKind.PROMISE_RECORDED, date(2026, 3, 9))
    invoices.record_promise(
        session,
        invoice_id=rows["R4"].id,
        actor=TEST_ACTOR,
        promised_date=date(2026, 4, 30),
        note="",
    )
    backdate(session, rows["R4"], EventKind.PROMISE_RECORDED, date(2026, 3, 25))
    invoices.record_promise(
        session,
        invoice_id=rows["R6"].id,
        actor=TEST_ACTOR,
        promised_date=date(2026, 3, 25),
        note="",
    )
    backdate(
        session, rows["R6"], EventKind.PROMISE_RECORDED, date(2026, 4, 1)
    )  # April: not counted
    invoices.extend_due_date(
        session,
        invoice_id=rows["R4"].id,
        actor=TEST_ACTOR,
        new_due_date=date(2026, 3, 20),
        reason="asked",
    )
    backdate(session, rows["R4"], EventKind.DUE_DATE_EXTENDED, date(2026, 3, 5))
    invoices.open_dispute(
        session,
        invoice_id=rows["R6"].id,
        actor=TEST_ACTOR,
        reason="wrong rate",
        opened_date=date(2026, 3, 6),
    )
    backdate(session, rows["R6"], EventKind.DISPUTE_OPENED, date(2026, 3, 6))
    for number, (tone, milestone, sent, paid) in PLAN.items():
        sent_reminder(session, rows[number], tone, milestone, sent)
        if paid is not None:
            pay(session, rows[number], payment_date=paid)
    session.commit()
    return reports_monthly.monthly_review(
        session, actor=TEST_ACTOR, month=MARCH, settings=settings, as_of=JUDGED
    )


def test_reminders_by_tone_and_milestone(review: reports_monthly.MonthlyReview) -> None:
    got = {(r.tone, r.milestone): (r.sent, r.paid_within_7_days) for r in review.reminders}
    assert got == {("firm", "overdue_14"): (3, 0), ("friendly", "overdue_7"): (3, 2)}


def test_late_payers_of_the_month(review: reports_monthly.MonthlyReview) -> None:
    [acme] = review.late_payers
    # Settled in March: R1 (11 days late), R2 (19), R3 (15), R5 (26), R7 (on time).
    assert (acme.settled_count, acme.late_count, acme.days_late_total) == (5, 4, 71)


def test_exceptions_and_promises(review: reports_monthly.MonthlyReview) -> None:
    assert {e.kind: e.count for e in review.exceptions} == {
        "due_date_extended": 1,
        "dispute_opened": 1,
        "dispute_resolved": 0,
        "promise_recorded": 3,
    }
    assert (review.promises.kept, review.promises.broken, review.promises.pending) == (1, 1, 1)


def test_month_totals(review: reports_monthly.MonthlyReview) -> None:
    [eur] = review.currencies
    assert (eur.invoiced_count, eur.invoiced_minor, eur.collected_minor) == (0, 0, 50_000)


def test_suggestions_name_who_and_what(review: reports_monthly.MonthlyReview) -> None:
    text = "\n".join(review.suggestions)
    assert "Acme BV paid 4 of 5 invoices late (18 days on average)" in text
    assert "deposit" in text
    assert "milestone overdue_7" in text and "67%" in text and "0% at overdue_14" in text
    assert "The friendly tone" in text


def test_trend_is_twelve_months_to_the_reviewed_one(review: reports_monthly.MonthlyReview) -> None:
    [eur] = review.trend
    assert [m.month for m in eur.months][-1] == "2026-03" and len(eur.months) == 12


@pytest.mark.parametrize("text", ["2026-13", "March", "2026/03", ""])
def test_bad_month_names_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        reports_monthly.parse_month(text)
    assert caught.value.field == "month"
