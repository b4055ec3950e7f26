"""Keyword-only builders for test data, going through the real services."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from sqlmodel import Session

from agent.actor import Actor
from agent.models import Client, ClientCreate, Invoice, InvoiceCreate, Lifecycle, User, UserRole
from agent.models.risk import RiskScore
from agent.services.access import users
from agent.services.ledger import clients, invoices, payments
from agent.services.scoring import risk_scores

TEST_ACTOR = Actor(label="test", sees_all=True)
_sequence = itertools.count(1)


def make_user(
    session: Session,
    *,
    name: str | None = None,
    email: str | None = None,
    role: UserRole = UserRole.OWNER,
) -> User:
    n = next(_sequence)
    return users.create(
        session, name=name or f"Owner {n}", email=email or f"owner{n}@example.com", role=role
    )


def make_client(
    session: Session,
    *,
    name: str | None = None,
    currency: str = "EUR",
    language: str = "en",
    timezone: str = "Europe/Amsterdam",
    country: str | None = "NL",
    default_terms_days: int = 30,
    contact_emails: list[str] | None = None,
) -> Client:
    n = next(_sequence)
    return clients.create(
        session,
        ClientCreate(
            name=name or f"Client {n}",
            currency=currency,
            language=language,
            timezone=timezone,
            country=country,
            default_terms_days=default_terms_days,
            contact_emails=contact_emails or [f"ap{n}@client.example"],
        ),
    )


def make_invoice(
    session: Session,
    *,
    client: Client | None = None,
    owner: User | None = None,
    number: str | None = None,
    amount_minor: int = 10_000,
    currency: str | None = None,
    issue_date: date = date(2026, 1, 1),
    due_date: date | None = None,
    lifecycle: Lifecycle = Lifecycle.SENT,
    notes: str | None = None,
) -> Invoice:
    client = client or make_client(session)
    owner = owner or make_user(session)
    return invoices.create(
        session,
        InvoiceCreate(
            number=number or f"INV-{next(_sequence):05d}",
            client_id=client.id,
            owner_id=owner.id,
            issue_date=issue_date,
            due_date=due_date or issue_date + timedelta(days=30),
            currency=currency or client.currency,
            amount_minor=amount_minor,
            lifecycle=lifecycle,
            notes=notes,
        ),
        actor=TEST_ACTOR,
    )


def pay(
    session: Session,
    invoice: Invoice,
    *,
    amount_minor: int | None = None,
    payment_date: date | None = None,
    external_id: str | None = None,
) -> payments.PaymentOutcome:
    balance = invoice.amount_minor - invoices.paid_minor(session, invoice_id=invoice.id)
    return payments.record(
        session,
        invoice_id=invoice.id,
        amount_minor=amount_minor if amount_minor is not None else balance,
        currency=invoice.currency,
        payment_date=payment_date or invoice.due_date,
        actor=TEST_ACTOR,
        external_id=external_id,
    )


def make_current(session: Session, score: RiskScore) -> None:
    """Make a hand-built ``risk_score`` row its invoice's current score, as scoring does."""
    row = score.model_dump(exclude={"id"}) | {"score_id": score.id}
    risk_scores.make_current(session, [row])
