"""Ledger corrections: future-dated payments refused; a mistaken payment reversed, never
deleted, with the standing, history, webhook and risk score following; pauses with an end."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from agent.actor import Actor
from agent.errors import InvalidDate, InvalidInput, InvalidTransition, NotFound
from agent.models import Payment
from agent.models.api import WebhookDelivery
from agent.services.ledger import history, invoices, payments
from agent.services.webhooks import webhooks
from tests.factories import TEST_ACTOR, make_client, make_invoice, make_user, pay

TODAY = date.today()
CLERK = Actor.system("test")


def _invoice(session: Session):
    client = make_client(session, name="Acme")
    owner = make_user(session, email="ann@example.com")
    return make_invoice(
        session,
        client=client,
        owner=owner,
        number="C-1",
        amount_minor=100_000,
        issue_date=TODAY - timedelta(days=60),
        due_date=TODAY - timedelta(days=30),
    )


def test_a_payment_dated_after_today_is_refused(session: Session) -> None:
    invoice = _invoice(session)
    with pytest.raises(InvalidDate, match="after today"):
        pay(session, invoice, payment_date=TODAY + timedelta(days=1))
    assert session.exec(select(Payment)).all() == []


def test_a_reversed_payment_stays_listed_and_stops_counting(session: Session) -> None:
    invoice = _invoice(session)
    webhooks.create_subscription(
        session,
        url="http://127.0.0.1:9/hook",
        events=[webhooks.PAYMENT_REVERSED],
        created_by_user_id=invoice.owner_id,
    )
    payment = pay(session, invoice, payment_date=TODAY).payment
    assert invoices.standing(session, invoice=invoice, as_of=TODAY, due_soon_days=7).state == "paid"
    reversed_ = payments.reverse(
        session, payment_id=payment.id, reason="bounced", actor=Actor.system("bank")
    )
    standing = invoices.standing(session, invoice=invoice, as_of=TODAY, due_soon_days=7)
    assert (standing.state, standing.outstanding_minor) == ("overdue", 100_000)
    assert reversed_.reversal_reason == "bounced" and reversed_.reversed_by == "system:bank"
    assert payments.list_for_invoice(session, invoice_id=invoice.id) == [reversed_]
    events = history.list_for_invoice(session, invoice_id=invoice.id)
    assert events[-1].kind == "payment_reversed" and events[-1].data["reason"] == "bounced"
    sent = session.exec(select(WebhookDelivery)).all()
    assert [(d.event, d.payload["data"]["balance_minor"]) for d in sent] == [
        ("payment.reversed", 100_000)
    ]
    with pytest.raises(InvalidTransition):
        payments.reverse(session, payment_id=payment.id, reason="again", actor=CLERK)
    assert pay(session, invoice, payment_date=TODAY).balance_minor == 0


def test_a_reversal_needs_a_reason_and_the_owner(session: Session) -> None:
    invoice = _invoice(session)
    payment = pay(session, invoice, amount_minor=10_000, payment_date=TODAY).payment
    with pytest.raises(InvalidInput):
        payments.reverse(session, payment_id=payment.id, reason=" ", actor=CLERK)
    stranger = Actor.person(user_id=invoice.owner_id + 99, email="eve@example.com")
    with pytest.raises(NotFound):
        payments.reverse(session, payment_id=payment.id, reason="x", actor=stranger)


def test_a_pause_with_an_end_date_lapses_by_itself(session: Session) -> None:
    invoice = _invoice(session)
    until = TODAY + timedelta(days=5)
    invoices.set_reminders_paused(
        session, invoice_id=invoice.id, paused=True, reason="holiday", actor=TEST_ACTOR, until=until
    )
    assert invoices.paused_on(invoice, TODAY) and invoices.paused_on(invoice, until - timedelta(1))
    assert not invoices.paused_on(invoice, until)
    with pytest.raises(InvalidDate):
        invoices.set_reminders_paused(
            session, invoice_id=invoice.id, paused=True, reason="", actor=TEST_ACTOR, until=TODAY
        )
    assert history.list_for_invoice(session, invoice_id=invoice.id)[-1].data["until"] == str(until)
