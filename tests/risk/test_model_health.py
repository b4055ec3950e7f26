"""When the deployed risk model goes stale: age, invoices settled since, drift; who is told."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.db import session_scope
from agent.demo.ledger import generate_ledger
from agent.models import UserRole
from agent.models.notification import Notification, NotificationKind
from agent.models.risk import RiskModelRecord
from agent.runtime import keep_model_fresh
from agent.services.notices import notifications
from agent.services.scoring import model_health
from agent.settings import Settings
from tests.factories import make_client, make_invoice, make_user, pay

TRAINED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _register(session: Session, *, rows: int = 100, late_share: float = 0.2) -> RiskModelRecord:
    record = RiskModelRecord(
        version="v1",
        trained_at=TRAINED,
        family="logistic[model,sigmoid]+ridge",
        artifact_path="/nonexistent",
        details={
            "data_through": "2026-02-28",
            "rows_total": rows,
            "base_late_share": late_share,
            "grace_days": 0,
        },
    )
    session.add(record)
    session.flush()
    return record


def _settle(session: Session, *, count: int, days_late: int) -> None:
    client, owner = make_client(session), make_user(session)
    for i in range(count):
        invoice = make_invoice(
            session, client=client, owner=owner, issue_date=date(2026, 3, 1) + timedelta(days=i)
        )
        pay(session, invoice, payment_date=invoice.due_date + timedelta(days=days_late))


def test_a_fresh_model_has_no_reasons(session: Session, settings: Settings) -> None:
    _register(session)
    health = model_health.check(session, settings=settings, today=date(2026, 3, 10))
    assert not health.stale and health.settled_since == 0 and health.age_days == 9


def test_no_model_is_stale_with_that_reason(session: Session, settings: Settings) -> None:
    health = model_health.check(session, settings=settings, today=date(2026, 3, 10))
    assert health.stale and health.reasons == ["no trained model yet"]


def test_age_makes_a_model_stale(session: Session, settings: Settings) -> None:
    _register(session)
    health = model_health.check(session, settings=settings, today=date(2026, 6, 30))
    assert health.stale and "trained 121 days ago" in health.reasons[0]


def test_many_invoices_settled_since_training_make_it_stale(
    session: Session, settings: Settings
) -> None:
    _register(session, rows=40, late_share=0.0)
    _settle(session, count=10, days_late=-5)
    health = model_health.check(session, settings=settings, today=date(2026, 5, 1))
    assert health.settled_since == 10 and health.live_late_share == 0.0
    assert any("10 invoices settled since training" in r for r in health.reasons)


def test_a_shift_in_the_late_share_is_drift(session: Session, settings: Settings) -> None:
    _register(session, rows=10_000, late_share=0.1)
    _settle(session, count=30, days_late=9)
    health = model_health.check(session, settings=settings, today=date(2026, 5, 20))
    assert health.settled_since == 30 and health.live_late_share == 1.0
    assert health.reasons == ["late share 100% since training, against 10% when trained"]
    few = settings.model_copy(update={"risk_drift_min_rows": 31})
    assert not model_health.check(session, settings=few, today=date(2026, 5, 20)).stale


def test_admins_are_told_once_per_stale_version(session: Session, settings: Settings) -> None:
    admin = make_user(session, role=UserRole.ADMIN)
    make_user(session)  # an owner, who is not told
    _register(session)
    health = model_health.check(session, settings=settings, today=date(2026, 9, 1))
    assert notifications.notify_model_stale(session, health=health) == 1
    assert notifications.notify_model_stale(session, health=health) == 0
    stored = session.exec(select(Notification)).all()
    assert [(n.owner_id, n.kind) for n in stored] == [(admin.id, NotificationKind.MODEL_STALE)]
    assert "paytrack risk train" in stored[0].message


def test_the_daily_job_retrains_a_stale_model_when_configured(
    engine: Engine, settings: Settings
) -> None:
    generate_ledger(engine, invoices=800, end_date=date(2026, 6, 30), seed=5)
    with session_scope(engine) as session:
        _register(session)
    manual = keep_model_fresh(engine, settings, today=date(2026, 7, 1))
    assert manual.stale and manual.version == "v1"
    auto = settings.model_copy(update={"risk_auto_retrain": True})
    retrained = keep_model_fresh(engine, auto, today=date(2026, 7, 1))
    assert retrained.version != "v1" and not retrained.stale
