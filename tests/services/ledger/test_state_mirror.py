"""The SQL mirror of the status derivation (``positions.state_column``, used by the invoice
search and the invoice table) agrees with ``standing.derive`` on every state."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from agent.models import Lifecycle
from agent.services.ledger import invoices
from agent.services.ledger.invoice_search import InvoiceFilter, search
from agent.services.ledger.standing import State
from tests.factories import TEST_ACTOR, make_client, make_invoice, pay

AS_OF = date(2026, 3, 10)
DUE_SOON_DAYS = 7


def test_search_states_equal_the_python_derivation(session: Session) -> None:
    client = make_client(session)
    due = {
        "L": AS_OF + timedelta(days=30),  # not yet due
        "S": AS_OF + timedelta(days=3),  # due soon
        "T": AS_OF,  # due today: due soon
        "O": AS_OF - timedelta(days=1),  # overdue
        "D": AS_OF - timedelta(days=5),  # disputed
        "P": AS_OF - timedelta(days=5),  # paid
        "W": AS_OF - timedelta(days=40),  # written off
        "V": AS_OF + timedelta(days=5),  # void
        "R": AS_OF + timedelta(days=5),  # draft
    }
    made = {
        n: make_invoice(
            session,
            client=client,
            number=n,
            issue_date=date(2026, 1, 1),
            due_date=d,
            lifecycle=Lifecycle.DRAFT if n == "R" else Lifecycle.SENT,
        )
        for n, d in due.items()
    }
    invoices.open_dispute(
        session, invoice_id=made["D"].id, reason="x", opened_date=AS_OF, actor=TEST_ACTOR
    )
    pay(session, made["P"], payment_date=AS_OF)
    invoices.write_off(
        session, invoice_id=made["W"].id, closed_date=AS_OF, reason="x", actor=TEST_ACTOR
    )
    invoices.void(session, invoice_id=made["V"].id, closed_date=AS_OF, reason="x", actor=TEST_ACTOR)
    found = {}
    for state in State:
        page = search(
            session,
            where=InvoiceFilter(as_of=AS_OF, due_soon_days=DUE_SOON_DAYS, states=[state]),
            actor=TEST_ACTOR,
            limit=50,
        )
        for hit in page.items:
            assert hit.state == state
            found[hit.invoice.number] = state
    derived = {
        n: invoices.standing(session, invoice=inv, as_of=AS_OF, due_soon_days=DUE_SOON_DAYS).state
        for n, inv in made.items()
    }
    assert found == derived
    assert set(derived.values()) == set(State)
