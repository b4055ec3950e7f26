"""A small hand-computed ledger for the dashboard tests (every expected figure is in the tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session

from agent.models import Client, Invoice, User
from agent.models.draft import Draft, DraftStatus, Tone
from agent.models.notification import FollowUpTask
from agent.models.risk import RiskScore
from tests.factories import make_client, make_current, make_invoice, make_user, pay

AS_OF = date(2026, 3, 11)  # a Wednesday; its week starts Monday 2026-03-09


@dataclass
class Small:
    ann: User
    bob: User
    acme: Client
    late: Invoice  # 100.00 EUR due 2026-01-31, unpaid: 39 days overdue on AS_OF
    soon: Invoice  # 50.00 EUR due 2026-03-20, scored high, expected 2026-03-25
    paid: Invoice  # 200.00 EUR issued 2026-01-05, paid 2026-03-03 (57 days)
    usd: Invoice  # 30.00 USD due 2026-03-12, not yet due


def draft(session: Session, *, client: Client, owner: User, status: DraftStatus) -> Draft:
    row = Draft(
        client_id=client.id,
        owner_id=owner.id,
        milestone="overdue_7",
        tone=Tone.FRIENDLY,
        tone_reason="first reminder",
        language="en",
        subject="Invoice reminder",
        body="Hello",
        status=status,
        suggested_send_at=datetime(2026, 3, 10, 9, tzinfo=UTC),
        drafter="template",
        model="template",
        prompt_version="v1",
        sweep_date=date(2026, 3, 10),
        thread_id=f"thread-{client.id}-{owner.id}-{status}",
    )
    session.add(row)
    session.flush()
    return row


def score(session: Session, invoice: Invoice, **values: object) -> RiskScore:
    row = RiskScore(
        invoice_id=invoice.id,
        model_version="prior",
        as_of_date=AS_OF,
        trigger="test",
        **values,  # type: ignore[arg-type]
    )
    session.add(row)
    session.flush()
    make_current(session, row)
    return row


def small_ledger(session: Session) -> Small:
    ann = make_user(session, name="Ann", email="ann@example.com")
    bob = make_user(session, name="Bob", email="bob@example.com")
    acme = make_client(session, name="Acme BV")
    globex = make_client(session, name="Globex Inc", currency="USD", country="US")
    late = make_invoice(
        session,
        client=acme,
        owner=ann,
        number="A-1",
        amount_minor=10_000,
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
    )
    soon = make_invoice(
        session,
        client=acme,
        owner=bob,
        number="A-2",
        amount_minor=5_000,
        issue_date=date(2026, 2, 20),
        due_date=date(2026, 3, 20),
    )
    paid = make_invoice(
        session,
        client=acme,
        owner=ann,
        number="A-3",
        amount_minor=20_000,
        issue_date=date(2026, 1, 5),
        due_date=date(2026, 2, 4),
    )
    pay(session, paid, payment_date=date(2026, 3, 3))
    usd = make_invoice(
        session,
        client=globex,
        owner=bob,
        number="G-1",
        amount_minor=3_000,
        issue_date=date(2026, 2, 10),
        due_date=date(2026, 3, 12),
    )
    # An older score first: only the newest one counts.
    score(
        session,
        soon,
        p_late=0.2,
        expected_payment_date=date(2026, 3, 20),
        interval_low_date=date(2026, 3, 20),
        interval_high_date=date(2026, 3, 20),
        band="low",
        reasons=["old"],
    )
    score(
        session,
        soon,
        p_late=0.9,
        expected_payment_date=date(2026, 3, 25),
        interval_low_date=date(2026, 3, 18),
        interval_high_date=date(2026, 3, 31),
        band="high",
        reasons=["paid 3 of 3 earlier invoices late"],
    )
    draft(session, client=acme, owner=ann, status=DraftStatus.PENDING_REVIEW)
    draft(session, client=acme, owner=bob, status=DraftStatus.SENT)
    session.add(FollowUpTask(invoice_id=late.id, owner_id=ann.id, reason="call", due_date=AS_OF))
    session.add(
        FollowUpTask(invoice_id=late.id, owner_id=ann.id, reason="later", due_date=date(2026, 4, 1))
    )
    session.commit()
    return Small(ann=ann, bob=bob, acme=acme, late=late, soon=soon, paid=paid, usd=usd)
