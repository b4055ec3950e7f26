"""Seeding a draft the way production does: invoices, a sweep, the graph pausing for review."""

from __future__ import annotations

from datetime import date, timedelta
from email.message import EmailMessage

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agent.db import session_scope
from agent.models import User, UserRole
from agent.models.draft import Draft
from agent.runtime import open_pipeline
from agent.services.access import users
from agent.services.reminders import sweeps
from agent.settings import Settings
from tests.factories import make_client, make_invoice, make_user

DUE = date(2026, 3, 2)  # a Monday
DAY = DUE + timedelta(days=3)
PASSWORD = "correct horse battery"


def seed_owner(
    engine: Engine, *, email: str, role: UserRole = UserRole.OWNER, name: str | None = None
) -> int:
    with session_scope(engine) as session:
        user = make_user(session, name=name or email.split("@")[0].title(), email=email, role=role)
        users.set_password(session, user_id=user.id, password=PASSWORD)
        return user.id


def seed_invoices(
    engine: Engine,
    *,
    owner_id: int,
    client_name: str = "Van Dijk Studio",
    number: str = "2026-001",
    contact: str = "ap@vandijk.example",
) -> int:
    with session_scope(engine) as session:
        client = make_client(session, name=client_name, contact_emails=[contact])
        owner = session.get(User, owner_id)
        invoice = make_invoice(
            session,
            client=client,
            owner=owner,
            number=number,
            amount_minor=123_450,
            issue_date=date(2026, 1, 31),
            due_date=DUE,
        )
        return invoice.id


def sweep(engine: Engine, settings: Settings, day: date = DAY) -> sweeps.SweepReport:
    with open_pipeline(engine, settings) as pipeline:
        return sweeps.run(engine, as_of=day, settings=settings, pipeline=pipeline)


def pending_draft_ids(engine: Engine) -> list[int]:
    with Session(engine) as session:
        return [d.id for d in session.exec(select(Draft).order_by(col(Draft.id)))]


def user(engine: Engine, user_id: int) -> User:
    with Session(engine, expire_on_commit=False) as session:
        return session.get_one(User, user_id)


def part_text(mail: EmailMessage, subtype: str) -> str:
    """The text of the message's ``subtype`` body part (``plain`` or ``html``)."""
    part = mail.get_body((subtype,))
    assert part is not None, f"no {subtype} part"
    return str(part.get_content())


def with_sentence(body: str, sentence: str) -> str:
    """``body`` with ``sentence`` as a paragraph of its own before the closing and signature,
    where a person's edit may add prose without touching the facts block or the signature."""
    paragraphs = body.split("\n\n")
    paragraphs.insert(-1, sentence)
    return "\n\n".join(paragraphs)
