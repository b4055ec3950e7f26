"""A dispute, promise, extension or partial payment logged after issue asks for a re-score,
which the worker answers after the write has committed, in a transaction of its own."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agent.db import session_scope
from agent.models import RescoreRequest, RiskScoreCurrent
from agent.models.risk import RiskScore
from agent.services.ledger import invoices, payments
from agent.services.scoring import risk_scores, risk_scoring, worker
from agent.settings import Settings
from tests.factories import TEST_ACTOR, make_client, make_invoice, make_user, pay


def scores(session: Session) -> list[tuple[int, str]]:
    rows = session.exec(select(RiskScore).order_by(col(RiskScore.id))).all()
    return [(row.invoice_id, row.trigger) for row in rows]


def test_events_are_scored_after_the_write_with_what_they_say(
    engine: Engine, settings: Settings
) -> None:
    with session_scope(engine) as session:
        client = make_client(session)
        owner = make_user(session)
        earlier = make_invoice(session, client=client, owner=owner, issue_date=date(2026, 1, 1))
        pay(session, earlier, payment_date=date(2026, 2, 20))
        invoice = make_invoice(session, client=client, owner=owner, issue_date=date(2026, 3, 1))
    invoice_id = invoice.id

    def logged(action: Callable[[Session], object]) -> None:
        with session_scope(engine) as session:
            action(session)
            assert scores(session) == seen, "the write itself never scores"
        assert worker.drain(engine, settings=settings) == 1

    seen: list[tuple[int, str]] = []
    logged(
        lambda s: invoices.record_promise(
            s,
            invoice_id=invoice_id,
            promised_date=date(2026, 4, 10),
            note="",
            actor=TEST_ACTOR,
            settings=settings,
        )
    )
    seen = [(invoice_id, "event:promise_recorded")]
    logged(
        lambda s: payments.record(
            s,
            invoice_id=invoice_id,
            amount_minor=2_000,
            currency="EUR",
            payment_date=date(2026, 3, 20),
            actor=TEST_ACTOR,
            settings=settings,
        )
    )
    seen.append((invoice_id, "event:payment_recorded"))
    logged(
        lambda s: invoices.open_dispute(
            s,
            invoice_id=invoice_id,
            reason="hours",
            opened_date=date(2026, 3, 25),
            actor=TEST_ACTOR,
            settings=settings,
        )
    )
    with Session(engine) as session:
        assert scores(session) == [*seen, (invoice_id, "event:dispute_opened")]
        assert session.exec(select(RescoreRequest)).all() == []
        latest = risk_scores.latest_score(session, invoice_id=invoice_id)
        newest = session.exec(select(RiskScore).order_by(col(RiskScore.id).desc())).first()
    assert latest is not None and newest is not None
    assert (latest.score_id, latest.model_version, latest.as_of_date) == (
        newest.id,
        "prior",
        date(2026, 3, 25),
    )
    assert latest.reasons[0] == "paid 1 of 1 earlier invoice late, 20 days late on average"
    assert worker.drain(engine, settings=settings) == 0


def test_several_requests_for_one_invoice_are_answered_by_one_score(
    engine: Engine, settings: Settings
) -> None:
    with session_scope(engine) as session:
        invoice = make_invoice(session, issue_date=date(2026, 3, 1))
        for day in (5, 6):
            invoices.record_promise(
                session,
                invoice_id=invoice.id,
                promised_date=date(2026, 4, day),
                note="",
                actor=TEST_ACTOR,
                settings=settings,
            )
    assert worker.drain(engine, settings=settings) == 2
    with Session(engine) as session:
        assert scores(session) == [(invoice.id, "event:promise_recorded")]


def test_a_full_scoring_run_answers_the_pending_requests(
    engine: Engine, settings: Settings
) -> None:
    with session_scope(engine) as session:
        invoice = make_invoice(session, issue_date=date(2026, 3, 1))
        invoices.open_dispute(
            session,
            invoice_id=invoice.id,
            reason="x",
            opened_date=date(2026, 3, 5),
            actor=TEST_ACTOR,
            settings=settings,
        )
    with session_scope(engine) as session:
        risk_scoring.score_open(session, settings=settings, as_of=date(2026, 3, 6))
    with Session(engine) as session:
        assert session.exec(select(RescoreRequest)).all() == []
        assert scores(session) == [(invoice.id, "scheduled")]
        current = session.exec(select(RiskScoreCurrent)).all()
    assert [(c.invoice_id, c.trigger) for c in current] == [(invoice.id, "scheduled")]


def test_bulk_callers_without_settings_leave_scoring_to_the_scheduled_run(
    session: Session,
) -> None:
    invoice = make_invoice(session, issue_date=date(2026, 3, 1))
    invoices.open_dispute(
        session, invoice_id=invoice.id, reason="x", opened_date=date(2026, 3, 5), actor=TEST_ACTOR
    )
    session.flush()
    assert session.exec(select(RescoreRequest)).all() == []
    assert scores(session) == []


def test_the_serve_loop_answers_requests_in_the_background(
    engine: Engine, settings: Settings
) -> None:
    with session_scope(engine) as session:
        invoice = make_invoice(session, issue_date=date(2026, 3, 1))
        invoices.open_dispute(
            session,
            invoice_id=invoice.id,
            reason="x",
            opened_date=date(2026, 3, 5),
            actor=TEST_ACTOR,
            settings=settings,
        )
    loop = worker.RescoreLoop(engine, settings.model_copy(update={"rescore_poll_seconds": 0.05}))
    loop.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with Session(engine) as session:
                if risk_scores.latest_score(session, invoice_id=invoice.id) is not None:
                    break
            time.sleep(0.1)
    finally:
        loop.stop()
    with Session(engine) as session:
        assert scores(session) == [(invoice.id, "event:dispute_opened")]
        assert session.exec(select(RescoreRequest)).all() == []


def test_the_serve_loop_waits_for_a_lull_in_the_writes_but_not_forever(
    engine: Engine, settings: Settings
) -> None:
    """Scoring competes with the writes for the serving process: it waits while they arrive."""
    timing = settings.model_copy(
        update={"rescore_quiet_seconds": 0.5, "rescore_max_delay_seconds": 10.0}
    )
    start = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
    assert not worker.due(engine, settings=timing, now=start)
    with session_scope(engine) as session:
        invoice = make_invoice(session, issue_date=date(2026, 3, 1))
        for seconds in (0.0, 6.0, 9.8):
            session.add(
                RescoreRequest(
                    invoice_id=invoice.id,
                    kind="event:payment",
                    as_of_date=date(2026, 3, 5),
                    requested_at=start + timedelta(seconds=seconds),
                )
            )
    # Requests still arrive (the newest is 0.1 s old): wait.
    assert not worker.due(engine, settings=timing, now=start + timedelta(seconds=9.9))
    # They stopped for the quiet time: score.
    assert worker.due(engine, settings=timing, now=start + timedelta(seconds=10.3))
    # A steady stream never goes quiet: the oldest request's wait ends it.
    with session_scope(engine) as session:
        session.add(
            RescoreRequest(
                invoice_id=invoice.id,
                kind="event:payment",
                as_of_date=date(2026, 3, 5),
                requested_at=start + timedelta(seconds=10.1),
            )
        )
    assert worker.due(engine, settings=timing, now=start + timedelta(seconds=10.2))


def test_two_workers_draining_at_once_answer_each_request_once(
    engine: Engine, settings: Settings
) -> None:
    """Each batch claims its requests in its own transaction; the loser of a claim stores
    nothing, so two serving processes never score an invoice twice for one request."""
    with session_scope(engine) as session:
        client = make_client(session)
        listed = [
            make_invoice(session, client=client, issue_date=date(2026, 3, 1)) for _ in range(25)
        ]
        for invoice in listed:
            invoices.record_promise(
                session,
                invoice_id=invoice.id,
                promised_date=date(2026, 4, 5),
                note="",
                actor=TEST_ACTOR,
                settings=settings,
            )
    start = threading.Barrier(2)
    taken: list[int] = []

    def drain_once() -> None:
        start.wait()
        taken.append(worker.drain(engine, settings=settings))

    threads = [threading.Thread(target=drain_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(taken) == 2
    with Session(engine) as session:
        assert sorted(scores(session)) == sorted(
            (invoice.id, "event:promise_recorded") for invoice in listed
        )
        assert session.exec(select(RescoreRequest)).all() == []
