"""The client's contact person reaches the greeting through the ledger; the company never does."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.db import session_scope
from agent.models import Client
from agent.models.draft import Draft
from agent.settings import Settings
from tests.agent.test_graph import DUE, seed, sweep


def _queued_body(engine: Engine) -> str:
    with Session(engine) as session:
        return session.exec(select(Draft)).one().body


def test_the_greeting_names_the_contact_person(engine: Engine, settings: Settings) -> None:
    seed(engine)
    with session_scope(engine) as session:
        client = session.exec(select(Client)).one()
        client.contact_name = "Anna Berg"
    assert sweep(engine, settings, DUE + timedelta(days=3)).drafts_created == 1
    body = _queued_body(engine)
    assert body.split("\n\n")[0] == "Hello Anna Berg,"
    assert "Van Dijk Studio" not in body


def test_without_a_contact_person_the_greeting_is_neutral(
    engine: Engine, settings: Settings
) -> None:
    seed(engine)
    assert sweep(engine, settings, DUE + timedelta(days=3)).drafts_created == 1
    body = _queued_body(engine)
    assert body.split("\n\n")[0] == "Hello," and "Van Dijk Studio" not in body
