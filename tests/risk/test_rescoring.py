"""A dispute, promise, extension or partial payment logged after issue triggers a re-score."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from agent.models.risk import RiskScore
from agent.services.ledger import invoices, payments
from agent.settings import Settings
from tests.factories import TEST_ACTOR, make_client, make_invoice, make_user, pay


def scores(session: Session) -> list[tuple[int, str]]:
    rows = session.exec(select(RiskScore).order_by(col(RiskScore.id))).all()
    return [(row.invoice_id, row.trigger) for row in rows]


def test_events_logged_for_a_person_rescore_with_what_they_say(
    session: Session, settings: Settings
) -> None:
    client = make_client(session)
    owner = make_user(session)
    earlier = make_invoice(session, client=client, owner=owner, issue_date=date(2026, 1, 1))
    pay(session, earlier, payment_date=date(2026, 2, 20))
    invoice = make_invoice(session, client=client, owner=owner, issue_date=date(2026, 3, 1))
    invoices.record_promise(
        session,
        invoice_id=invoice.id,
        promised_date=date(2026, 4, 10),
        note="",
        actor=TEST_ACTOR,
        settings=settings,
    )
    payments.record(
        session,
        invoice_id=invoice.id,
        amount_minor=2_000,
        currency="EUR",
        payment_date=date(2026, 3, 20),
        actor=TEST_ACTOR,
        settings=settings,
    )
    invoices.open_dispute(
        session,
        invoice_id=invoice.id,
        reason="hours",
        opened_date=date(2026, 3, 25),
        actor=TEST_ACTOR,
        settings=settings,
    )
    assert scores(session) == [
        (invoice.id, "event:promise_recorded"),
        (invoice.id, "event:payment_recorded"),
        (invoice.id, "event:dispute_opened"),
    ]
    latest = session.exec(select(RiskScore).order_by(col(RiskScore.id).desc())).first()
    assert latest is not None
    assert (latest.model_version, latest.as_of_date) == ("prior", date(2026, 3, 25))
    assert latest.reasons[0] == "paid 1 of 1 earlier invoice late, 20 days late on average"


def test_bulk_callers_without_settings_leave_scoring_to_the_scheduled_run(
    session: Session,
) -> None:
    invoice = make_invoice(session, issue_date=date(2026, 3, 1))
    invoices.open_dispute(
        session, invoice_id=invoice.id, reason="x", opened_date=date(2026, 3, 5), actor=TEST_ACTOR
    )
    assert scores(session) == []
