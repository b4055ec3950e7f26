"""The risk service against a real database: prior fallback, training, stored scores, re-scores."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.db import session_scope
from agent.demo.ledger import generate_ledger
from agent.errors import InsufficientHistory
from agent.models import RescoreRequest
from agent.models.risk import RiskScore
from agent.services.ledger import invoices
from agent.services.scoring import risk_scores, risk_scoring
from agent.settings import Settings
from tests.factories import TEST_ACTOR, make_client, make_invoice, make_user, pay


def test_cold_start_refuses_training_and_scores_with_the_prior(
    session: Session, settings: Settings
) -> None:
    client = make_client(session, name="Slow Ltd")
    owner = make_user(session)
    for month in (1, 2, 3):
        paid = make_invoice(session, client=client, owner=owner, issue_date=date(2025, month, 1))
        pay(session, paid, payment_date=paid.due_date + timedelta(days=27))
    open_one = make_invoice(session, client=client, owner=owner, issue_date=date(2025, 6, 1))
    with pytest.raises(InsufficientHistory, match="documented prior"):
        risk_scoring.train(session, settings=settings)
    scored = risk_scoring.score_open(session, settings=settings, as_of=date(2025, 6, 5))
    assert [r.invoice_id for r in scored] == [open_one.id]
    assert scored[0].is_prior
    assert scored[0].reasons[0] == "paid 3 of 3 earlier invoices late, 27 days late on average"
    assert scored[0].p_late > 0.6
    stored = session.exec(select(RiskScore)).all()
    assert [(s.invoice_id, s.model_version, s.trigger) for s in stored] == [
        (open_one.id, "prior", "scheduled")
    ]
    invoices.open_dispute(
        session,
        invoice_id=open_one.id,
        reason="wrong",
        opened_date=date(2025, 6, 10),
        actor=TEST_ACTOR,
        settings=settings,
    )
    session.flush()
    request = session.exec(select(RescoreRequest)).one()
    again = risk_scoring.rescore_requested(session, settings=settings, request=request)
    assert again is not None
    risk_scoring.store_requested(session, request=request, risk=again)
    assert again is not None
    latest = risk_scores.latest_score(session, invoice_id=open_one.id)
    assert latest is not None and latest.trigger == "event:dispute_opened"


def test_trained_model_is_registered_and_names_every_score(engine: Engine, settings: Settings):
    generate_ledger(engine, invoices=1500, end_date=date(2026, 6, 30), seed=11)
    with session_scope(engine) as session:
        record = risk_scoring.train(session, settings=settings)
    assert (settings.data_dir / "models" / f"risk-{record.version}.json").exists()
    with session_scope(engine) as session:
        result = risk_scoring.evaluate(session, settings=settings)
        for key in (
            "rows_train",
            "rows_test",
            "auc",
            "pr_auc",
            "brier",
            "mae_days",
            "baseline_auc",
            "baseline_mae_days",
            "interval_coverage",
        ):
            assert result[key] is not None, key
        assert result["auc"] > result["logistic_baseline_auc"]
        scored = risk_scoring.score_open(session, settings=settings, as_of=date(2026, 6, 30))
        accounts = risk_scoring.accounts(session, settings=settings, as_of=date(2026, 6, 30))
    assert scored and all(r.model_version == record.version for r in scored)
    assert all(1 <= len(r.reasons) <= 3 for r in scored)
    assert all(
        r.interval_low_date <= r.expected_payment_date <= r.interval_high_date for r in scored
    )
    assert accounts[0].exposure_minor
    with session_scope(engine) as session:
        versions = set(session.exec(select(RiskScore.model_version)).all())
    assert versions == {record.version}
