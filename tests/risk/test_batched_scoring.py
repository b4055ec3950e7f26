"""Scoring whole clients a batch at a time gives exactly the scores of the whole ledger at once."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from agent.db import session_scope
from agent.demo.ledger import generate_ledger
from agent.services.ledger import invoices
from agent.services.scoring import client_batches, risk_scoring
from agent.services.scoring.risk_scoring import InvoiceRisk
from agent.settings import Settings
from tests.factories import TEST_ACTOR, make_client, make_invoice, make_user, pay

END = date(2026, 6, 30)


def _whole_ledger(session: Session, *, settings: Settings, as_of: date) -> list[InvoiceRisk]:
    """The in-memory path: every invoice's history loaded at once, nothing stored."""
    history = risk_scoring.load_history(session)
    rows = risk_scoring.open_rows(history.ledger, as_of=as_of)
    day = (as_of - date(1970, 1, 1)).days
    return risk_scoring.score_rows(
        session,
        settings=settings,
        history=history,
        rows=rows,
        as_of_days=np.full(len(rows), day),
        trigger="",
        model=risk_scoring._deployed_model(session),
        store=False,
    )


def _in_batches(
    session: Session, *, settings: Settings, as_of: date, batch_invoices: int
) -> tuple[list[InvoiceRisk], int]:
    found: list[InvoiceRisk] = []
    batches: list[int] = []

    def keep(batch: list[InvoiceRisk]) -> None:
        found.extend(batch)
        batches.append(len(batch))

    risk_scoring.score_open_batches(
        session, settings=settings, as_of=as_of, on_batch=keep, batch_invoices=batch_invoices
    )
    return sorted(found, key=lambda r: r.invoice_id), len(batches)


@pytest.mark.parametrize("trained", [False, True], ids=["prior", "model"])
def test_batches_of_whole_clients_score_exactly_as_the_whole_ledger(
    engine: Engine, settings: Settings, trained: bool
) -> None:
    generate_ledger(engine, invoices=1200, end_date=END, seed=5)
    if trained:
        with session_scope(engine) as session:
            risk_scoring.train(session, settings=settings)
    with session_scope(engine) as session:
        whole = sorted(
            _whole_ledger(session, settings=settings, as_of=END), key=lambda r: r.invoice_id
        )
        batched, batches = _in_batches(session, settings=settings, as_of=END, batch_invoices=60)
    assert batches > 5
    assert len(whole) > 50
    assert batched == whole
    assert {r.is_prior for r in batched} == {not trained}


def test_ranges_hold_every_client_once_and_whole(engine: Engine) -> None:
    generate_ledger(engine, invoices=600, end_date=END, seed=3)
    with session_scope(engine) as session:
        found = list(client_batches.ranges(session, batch_invoices=50))
        history = risk_scoring.load_history(session)
        per_range = [risk_scoring.load_history(session, clients=r).ledger.invoices for r in found]
    assert len(found) > 3
    assert all(a.last < b.first for a, b in itertools.pairwise(found))
    ids = np.sort(np.concatenate([frame["invoice_id"].to_numpy() for frame in per_range]))
    assert np.array_equal(ids, np.sort(history.ledger.invoices["invoice_id"].to_numpy()))
    clients = [set(frame["client_id"]) for frame in per_range]
    assert sum(len(c) for c in clients) == len(set().union(*clients))


def test_batched_scores_use_only_what_was_known_on_the_day(
    session: Session, settings: Settings
) -> None:
    client = make_client(session, name="Later Ltd")
    owner = make_user(session)
    day = date(2025, 6, 5)
    settled = make_invoice(session, client=client, owner=owner, issue_date=date(2025, 3, 1))
    pay(session, settled, payment_date=settled.due_date + timedelta(days=3))
    still_open = make_invoice(session, client=client, owner=owner, issue_date=date(2025, 5, 1))
    target = make_invoice(session, client=client, owner=owner, issue_date=date(2025, 6, 1))
    before, _ = _in_batches(session, settings=settings, as_of=day, batch_invoices=1)
    pay(session, still_open, payment_date=day + timedelta(days=40))
    invoices.open_dispute(
        session,
        invoice_id=target.id,
        reason="wrong",
        opened_date=day + timedelta(days=2),
        actor=TEST_ACTOR,
        settings=settings,
    )
    session.flush()
    after, _ = _in_batches(session, settings=settings, as_of=day, batch_invoices=1)
    assert [r.invoice_id for r in before] == [still_open.id, target.id]
    assert [(r.p_late, r.reasons, r.outstanding_minor) for r in after] == [
        (r.p_late, r.reasons, r.outstanding_minor) for r in before
    ]
