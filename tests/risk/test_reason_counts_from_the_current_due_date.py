"""The risk reason counts days past due from the current due date, like every page and mail."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from agent.actor import Actor
from agent.services.ledger import invoices
from agent.services.scoring import risk_scoring
from agent.settings import Settings
from tests.factories import make_client, make_invoice, make_user

TODAY = date.today()


def test_an_extended_invoice_is_as_far_past_due_as_its_new_due_date_says(
    session: Session, settings: Settings
) -> None:
    invoice = make_invoice(
        session,
        client=make_client(session, name="Harbor"),
        owner=make_user(session),
        number="R-1",
        amount_minor=466_500,
        issue_date=TODAY - timedelta(days=60),
        due_date=TODAY - timedelta(days=30),
    )
    invoices.extend_due_date(
        session,
        invoice_id=invoice.id,
        new_due_date=TODAY - timedelta(days=16),
        reason="agreed",
        actor=Actor.system("test"),
    )
    [scored] = risk_scoring.score_open(session, settings=settings, as_of=TODAY)
    assert "already 16 days past due" in scored.reasons
    assert not any("30 days" in reason for reason in scored.reasons)
