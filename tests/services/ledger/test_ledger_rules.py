"""Ledger rules: lifecycle, payments, rejections, and the history every change writes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from agent.actor import Actor
from agent.errors import (
    Conflict,
    CurrencyMismatch,
    DuplicateInvoiceNumber,
    InvalidAmount,
    InvalidCurrency,
    InvalidDate,
    InvalidInput,
    InvalidTransition,
    InvoiceClosed,
    PaymentExceedsBalance,
)
from agent.models import EventKind, InvoiceCreate, Lifecycle
from agent.services.ledger import history, invoices, payments
from agent.services.ledger.standing import State
from tests.factories import TEST_ACTOR, make_client, make_invoice, make_user, pay

DAY = date(2026, 3, 1)


def kinds(session: Session, invoice_id: int) -> list[str]:
    return [event.kind for event in history.list_for_invoice(session, invoice_id=invoice_id)]


def state_on(session: Session, invoice, day: date) -> State:
    return invoices.standing(session, invoice=invoice, as_of=day, due_soon_days=7).state


def test_partial_then_full_payment_derives_outstanding_and_paid(session: Session) -> None:
    invoice = make_invoice(session, amount_minor=10_000, due_date=date(2026, 1, 31))
    first = pay(session, invoice, amount_minor=2_500, payment_date=date(2026, 1, 10))
    assert (first.created, first.balance_minor, first.settled) == (True, 7_500, False)
    mid = invoices.standing(session, invoice=invoice, as_of=date(2026, 2, 5), due_soon_days=7)
    assert mid.state == State.OVERDUE
    assert (mid.outstanding_minor, mid.days_overdue, mid.partially_paid) == (7_500, 5, True)
    assert mid.label == "overdue 5 days · partially paid"
    last = pay(session, invoice, amount_minor=7_500, payment_date=date(2026, 2, 10))
    assert last.settled
    assert state_on(session, invoice, date(2026, 2, 9)) == State.OVERDUE
    assert state_on(session, invoice, date(2026, 2, 10)) == State.PAID
    assert kinds(session, invoice.id) == [
        "created",
        "payment_recorded",
        "payment_recorded",
        "paid",
    ]


def test_status_is_derived_for_any_day(session: Session) -> None:
    invoice = make_invoice(session, issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31))
    assert state_on(session, invoice, date(2026, 1, 10)) == State.NOT_YET_DUE
    assert state_on(session, invoice, date(2026, 1, 24)) == State.DUE_SOON
    assert state_on(session, invoice, date(2026, 1, 31)) == State.DUE_SOON
    assert state_on(session, invoice, date(2026, 2, 1)) == State.OVERDUE
    pay(session, invoice, payment_date=date(2026, 2, 20))
    assert state_on(session, invoice, date(2026, 2, 1)) == State.OVERDUE
    assert state_on(session, invoice, date(2026, 2, 20)) == State.PAID


def test_overpayment_is_refused_and_nothing_changes(session: Session) -> None:
    invoice = make_invoice(session, amount_minor=10_000)
    pay(session, invoice, amount_minor=6_000)
    with pytest.raises(PaymentExceedsBalance, match=r"exceeds the outstanding 40\.00 EUR") as err:
        pay(session, invoice, amount_minor=4_001)
    assert err.value.field == "amount"
    assert invoices.paid_minor(session, invoice_id=invoice.id) == 6_000


@pytest.mark.parametrize("amount", [0, -100])
def test_non_positive_payment_is_refused(session: Session, amount: int) -> None:
    invoice = make_invoice(session)
    with pytest.raises(InvalidAmount):
        pay(session, invoice, amount_minor=amount)


def test_payment_in_another_currency_is_refused(session: Session) -> None:
    invoice = make_invoice(session, currency="EUR")
    with pytest.raises(CurrencyMismatch, match=r"USD but invoice .* is in EUR"):
        payments.record(
            session,
            invoice_id=invoice.id,
            amount_minor=100,
            currency="USD",
            payment_date=invoice.due_date,
            actor=TEST_ACTOR,
        )


def test_payment_before_issue_date_is_refused(session: Session) -> None:
    invoice = make_invoice(session, issue_date=date(2026, 2, 1))
    with pytest.raises(InvalidDate, match="before invoice"):
        pay(session, invoice, payment_date=date(2026, 1, 31))


@pytest.mark.parametrize("closing", ["write_off", "void"])
def test_payments_on_closed_invoices_are_refused(session: Session, closing: str) -> None:
    invoice = make_invoice(session)
    getattr(invoices, closing)(
        session, invoice_id=invoice.id, closed_date=DAY, reason="client bankrupt", actor=TEST_ACTOR
    )
    with pytest.raises(InvoiceClosed):
        pay(session, invoice, amount_minor=100)


def test_same_external_id_twice_records_once(session: Session) -> None:
    invoice = make_invoice(session, amount_minor=10_000)
    first = pay(session, invoice, amount_minor=3_000, payment_date=DAY, external_id="bank-42")
    again = pay(session, invoice, amount_minor=3_000, payment_date=DAY, external_id="bank-42")
    assert first.created and not again.created
    assert again.payment.id == first.payment.id
    assert invoices.paid_minor(session, invoice_id=invoice.id) == 3_000
    with pytest.raises(Conflict, match="different details"):
        pay(session, invoice, amount_minor=2_000, payment_date=DAY, external_id="bank-42")


def test_payments_as_of_a_day_ignore_later_payments(session: Session) -> None:
    invoice = make_invoice(session, amount_minor=10_000)
    pay(session, invoice, amount_minor=1_000, payment_date=date(2026, 1, 5))
    pay(session, invoice, amount_minor=2_000, payment_date=date(2026, 2, 5))
    assert invoices.paid_minor(session, invoice_id=invoice.id, as_of=date(2026, 1, 31)) == 1_000
    assert invoices.paid_minor(session, invoice_id=invoice.id) == 3_000


def test_duplicate_number_is_refused(session: Session) -> None:
    invoice = make_invoice(session, number="2026-001")
    with pytest.raises(DuplicateInvoiceNumber):
        make_invoice(session, number="2026-001")
    assert invoices.get_by_number(session, number="2026-001").id == invoice.id


def test_due_date_before_issue_is_refused(session: Session) -> None:
    with pytest.raises(InvalidDate, match="before issue date") as err:
        make_invoice(session, issue_date=date(2026, 2, 1), due_date=date(2026, 1, 1))
    assert err.value.field == "due_date"


def test_unknown_currency_is_refused(session: Session) -> None:
    with pytest.raises(InvalidCurrency):
        make_invoice(session, currency="EUX")


def test_due_date_defaults_to_client_terms(session: Session) -> None:
    client = make_client(session, default_terms_days=14)
    owner = make_user(session)
    invoice = invoices.create(
        session,
        InvoiceCreate(
            number="T-14",
            client_id=client.id,
            owner_id=owner.id,
            issue_date=date(2026, 5, 1),
            currency="EUR",
            amount_minor=5_00,
        ),
        actor=TEST_ACTOR,
    )
    assert (invoice.due_date, invoice.terms_days) == (date(2026, 5, 15), 14)


def test_extension_keeps_original_due_date_and_records_reason(session: Session) -> None:
    invoice = make_invoice(session, due_date=date(2026, 1, 31))
    invoices.extend_due_date(
        session,
        invoice_id=invoice.id,
        new_due_date=date(2026, 2, 28),
        reason="cash-flow agreement",
        actor=TEST_ACTOR,
    )
    assert (invoice.due_date, invoice.original_due_date) == (date(2026, 2, 28), date(2026, 1, 31))
    assert state_on(session, invoice, date(2026, 2, 10)) == State.NOT_YET_DUE
    event = history.list_for_invoice(session, invoice_id=invoice.id)[-1]
    assert event.kind == EventKind.DUE_DATE_EXTENDED
    assert event.data["reason"] == "cash-flow agreement"
    with pytest.raises(InvalidDate, match="not after the current due date"):
        invoices.extend_due_date(
            session,
            invoice_id=invoice.id,
            new_due_date=date(2026, 2, 1),
            reason="x",
            actor=TEST_ACTOR,
        )
    with pytest.raises(InvalidInput, match="needs a reason"):
        invoices.extend_due_date(
            session,
            invoice_id=invoice.id,
            new_due_date=date(2026, 3, 31),
            reason=" ",
            actor=TEST_ACTOR,
        )


def test_dispute_open_and_resolve(session: Session) -> None:
    invoice = make_invoice(session, due_date=date(2026, 1, 31))
    invoices.open_dispute(
        session,
        invoice_id=invoice.id,
        reason="hours billed twice",
        opened_date=date(2026, 2, 3),
        actor=TEST_ACTOR,
    )
    assert state_on(session, invoice, date(2026, 2, 2)) == State.OVERDUE
    assert state_on(session, invoice, date(2026, 2, 10)) == State.DISPUTED
    with pytest.raises(InvalidTransition, match="already has an open dispute"):
        invoices.open_dispute(
            session, invoice_id=invoice.id, reason="again", opened_date=DAY, actor=TEST_ACTOR
        )
    invoices.resolve_dispute(
        session,
        invoice_id=invoice.id,
        resolution="credit note for 2 hours",
        resolved_date=date(2026, 2, 20),
        actor=TEST_ACTOR,
    )
    assert state_on(session, invoice, date(2026, 2, 21)) == State.OVERDUE
    assert kinds(session, invoice.id)[-2:] == ["dispute_opened", "dispute_resolved"]


def test_promise_reassign_note_and_pause_are_recorded(session: Session) -> None:
    invoice = make_invoice(session)
    new_owner = make_user(session, name="Bea", email="bea@example.com")
    admin = Actor.person(user_id=new_owner.id, email=new_owner.email, admin=True)
    invoices.record_promise(
        session,
        invoice_id=invoice.id,
        promised_date=date(2026, 3, 15),
        note="on the phone",
        actor=admin,
    )
    invoices.set_owner(session, invoice_id=invoice.id, owner_id=new_owner.id, actor=admin)
    invoices.add_note(session, invoice_id=invoice.id, text="call Friday", actor=admin)
    invoices.set_reminders_paused(
        session, invoice_id=invoice.id, paused=True, reason="direct debit", actor=admin
    )
    events = history.list_for_invoice(session, invoice_id=invoice.id)
    assert [e.kind for e in events][1:] == [
        "promise_recorded",
        "owner_reassigned",
        "note_added",
        "reminders_paused",
    ]
    assert all(e.actor == "user:bea@example.com" for e in events[1:])
    assert events[2].data["to"] == "bea@example.com"
    assert invoice.promised_date == date(2026, 3, 15)
    assert invoice.owner_id == new_owner.id
    assert invoice.reminders_paused


def test_void_refused_after_payment_and_write_off_keeps_payments(session: Session) -> None:
    invoice = make_invoice(session, amount_minor=10_000)
    pay(session, invoice, amount_minor=4_000)
    with pytest.raises(InvalidTransition, match="has payments"):
        invoices.void(
            session, invoice_id=invoice.id, closed_date=DAY, reason="oops", actor=TEST_ACTOR
        )
    invoices.write_off(
        session, invoice_id=invoice.id, closed_date=DAY, reason="uncollectable", actor=TEST_ACTOR
    )
    assert invoice.lifecycle == Lifecycle.WRITTEN_OFF
    written = invoices.standing(session, invoice=invoice, as_of=DAY, due_soon_days=7)
    assert (written.state, written.outstanding_minor, written.balance_minor) == (
        State.WRITTEN_OFF,
        0,
        6_000,
    )
    before = invoices.standing(session, invoice=invoice, as_of=date(2026, 2, 27), due_soon_days=7)
    assert before.state == State.OVERDUE
    assert history.list_for_invoice(session, invoice_id=invoice.id)[-1].data["written_off"] == (
        "60.00 EUR"
    )


def test_paid_invoice_cannot_be_extended_or_disputed(session: Session) -> None:
    invoice = make_invoice(session)
    pay(session, invoice)
    with pytest.raises(InvalidTransition, match="already paid"):
        invoices.open_dispute(
            session, invoice_id=invoice.id, reason="late", opened_date=DAY, actor=TEST_ACTOR
        )


def test_draft_is_not_a_receivable_until_sent(session: Session) -> None:
    invoice = make_invoice(session, lifecycle=Lifecycle.DRAFT, issue_date=date(2026, 1, 1))
    assert state_on(session, invoice, date(2026, 3, 1)) == State.DRAFT
    invoices.mark_sent(session, invoice_id=invoice.id, sent_date=date(2026, 1, 2), actor=TEST_ACTOR)
    assert state_on(session, invoice, date(2026, 3, 1)) == State.OVERDUE
    with pytest.raises(InvalidTransition, match="only a draft can be sent"):
        invoices.mark_sent(
            session, invoice_id=invoice.id, sent_date=date(2026, 1, 2), actor=TEST_ACTOR
        )


def test_every_change_bumps_the_version(session: Session) -> None:
    invoice = make_invoice(session)
    start = invoice.version
    invoices.add_note(session, invoice_id=invoice.id, text="hello", actor=TEST_ACTOR)
    pay(session, invoice, amount_minor=100)
    assert invoice.version == start + 2


def test_list_rows_filters_on_derived_state(session: Session) -> None:
    client = make_client(session, name="Acme")
    owner = make_user(session, email="ann@example.com")
    late = make_invoice(session, client=client, owner=owner, due_date=date(2026, 1, 10))
    make_invoice(session, client=client, owner=owner, due_date=date(2026, 6, 1))
    paid = make_invoice(session, client=client, owner=owner, due_date=date(2026, 1, 10))
    pay(session, paid, payment_date=date(2026, 1, 9))
    overdue = invoices.list_rows(session, as_of=DAY, due_soon_days=7, overdue_only=True)
    assert [row.invoice.number for row in overdue] == [late.number]
    settled = invoices.list_rows(session, as_of=DAY, due_soon_days=7, states=[State.PAID])
    assert [row.invoice.number for row in settled] == [paid.number]
    assert len(invoices.list_rows(session, as_of=DAY, due_soon_days=7, owner_id=owner.id)) == 3
