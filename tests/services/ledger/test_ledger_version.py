"""The ledger version moves with every committed change to invoices, payments and clients,
whoever writes them, and with nothing else."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from agent.models import Invoice
from agent.services.access import users
from agent.services.ledger import ledger_version
from tests.factories import make_client, make_invoice, pay


def version(engine: Engine) -> int:
    with Session(engine) as session:
        return ledger_version.current(session)


def test_every_ledger_write_moves_the_version(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        invoice = make_invoice(session, amount_minor=10_000, issue_date=date(2026, 1, 1))
        session.commit()
    seen = [version(engine)]
    with Session(engine) as session:
        pay(session, session.get_one(Invoice, invoice.id), amount_minor=100)
        session.commit()
    seen.append(version(engine))
    with Session(engine) as session:
        make_client(session, name="Berg AB")
        session.commit()
    seen.append(version(engine))
    # A bulk write that bypasses the services (as imports and the demo generator do).
    with engine.begin() as connection:
        connection.execute(update(Invoice).values(notes="bulk"))
    seen.append(version(engine))
    assert all(later > earlier for earlier, later in pairwise(seen))


def test_other_writes_and_rollbacks_leave_it(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        invoice = make_invoice(session)
        session.commit()
    before = version(engine)
    with Session(engine) as session:
        users.create(session, name="Nina New", email="nina@example.com")
        session.commit()
    with Session(engine) as session:
        pay(session, session.get_one(Invoice, invoice.id), amount_minor=100)
        session.rollback()
    assert version(engine) == before
