"""Retention prunes what is finished and older than its period, and nothing else."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from langgraph.checkpoint.base import empty_checkpoint
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.checkpoint import open_checkpointer
from agent.db import session_scope
from agent.models import Notification, OutboxMessage, WebhookDelivery, WebhookSubscription
from agent.models.api import DeliveryStatus
from agent.models.draft import DraftStatus
from agent.models.notification import NotificationKind
from agent.models.outbox import OutboxStatus
from agent.models.risk import RiskScore
from agent.services.retention.worker import prune
from agent.settings import Settings
from tests.dashboard.ledger import draft
from tests.factories import make_client, make_current, make_invoice, make_user

NOW = datetime(2027, 1, 1, tzinfo=UTC)
OLD = NOW - timedelta(days=400)
NEW = NOW - timedelta(days=2)


def _score(session: Session, invoice_id: int, *, trigger: str, at: datetime) -> RiskScore:
    row = RiskScore(
        invoice_id=invoice_id,
        model_version="prior",
        as_of_date=at.date(),
        p_late=0.5,
        expected_payment_date=at.date(),
        interval_low_date=at.date(),
        interval_high_date=at.date(),
        band="medium",
        trigger=trigger,
        scored_at=at,
    )
    session.add(row)
    session.flush()
    return row


def _outbox(session: Session, n: int, status: OutboxStatus, at: datetime) -> None:
    session.add(
        OutboxMessage(
            dedupe_key=f"k{n}",
            message_id=f"<m{n}@x>",
            from_addr="a@x",
            to_addrs=["b@x"],
            subject="s",
            text_body="t",
            html_body="h",
            status=status,
            created_at=at,
        )
    )


def _checkpoint(saver: object, thread_id: str) -> None:
    config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
    saver.put(config, empty_checkpoint(), {}, {})  # type: ignore[attr-defined]


def test_prune_keeps_what_is_live_recent_or_summarising(engine: Engine, settings: Settings) -> None:
    with session_scope(engine) as session:
        owner = make_user(session)
        client = make_client(session)
        invoice = make_invoice(session, client=client, owner=owner, issue_date=date(2025, 1, 1))
        other = make_invoice(session, client=client, owner=owner, issue_date=date(2025, 1, 1))
        gone = _score(session, invoice.id, trigger="scheduled", at=OLD).id
        kept_event = _score(session, invoice.id, trigger="event:promise_recorded", at=OLD).id
        kept_issue = _score(session, invoice.id, trigger="issued", at=OLD).id
        kept_recent = _score(session, invoice.id, trigger="scheduled", at=NEW).id
        make_current(session, session.get_one(RiskScore, kept_recent))
        current_old = _score(session, other.id, trigger="scheduled", at=OLD)
        make_current(session, current_old)
        for n, (read, at) in enumerate([(OLD, OLD), (None, OLD), (NEW, NEW)]):
            session.add(
                Notification(
                    owner_id=owner.id,
                    kind=NotificationKind.NEWLY_OVERDUE,
                    invoice_id=invoice.id,
                    message="m",
                    dedupe_key=f"n{n}",
                    created_at=at,
                    read_at=read,
                )
            )
        subscription = WebhookSubscription(url="https://hooks.example.com", secret="s")
        session.add(subscription)
        session.flush()
        for n, (status, at) in enumerate(
            [
                (DeliveryStatus.DELIVERED, OLD),
                (DeliveryStatus.FAILED, OLD),
                (DeliveryStatus.PENDING, OLD),
                (DeliveryStatus.DELIVERED, NEW),
            ]
        ):
            session.add(
                WebhookDelivery(
                    subscription_id=subscription.id,
                    event="invoice.paid",
                    event_id=f"e{n}",
                    payload={},
                    status=status,
                    created_at=at,
                )
            )
        for n, (state, at) in enumerate(
            [(OutboxStatus.SENT, OLD), (OutboxStatus.UNCONFIRMED, OLD), (OutboxStatus.SENT, NEW)]
        ):
            _outbox(session, n, state, at)
        finished = draft(session, client=client, owner=owner, status=DraftStatus.SENT)
        finished.decided_at = NOW - timedelta(days=40)
        waiting = draft(session, client=client, owner=owner, status=DraftStatus.PENDING_REVIEW)
        threads = (finished.thread_id, waiting.thread_id)
    with open_checkpointer(engine) as saver:
        for thread_id in threads:
            _checkpoint(saver, thread_id)

    pruned = prune(engine, settings=settings, now=NOW)

    assert (
        pruned.score_history,
        pruned.notifications,
        pruned.webhook_deliveries,
        pruned.outbox_messages,
        pruned.checkpoint_threads,
    ) == (1, 1, 2, 1, 1)
    with Session(engine) as session:
        scores = set(session.exec(select(RiskScore.id)))
        assert gone not in scores
        assert {kept_event, kept_issue, kept_recent, current_old.id} <= scores
        assert len(session.exec(select(Notification)).all()) == 2
        statuses = sorted(d.status for d in session.exec(select(WebhookDelivery)))
        assert statuses == [DeliveryStatus.DELIVERED, DeliveryStatus.PENDING]
        assert len(session.exec(select(OutboxMessage)).all()) == 2
    with open_checkpointer(engine) as saver:
        left = {t.config["configurable"]["thread_id"] for t in saver.list(None)}
    assert left == {threads[1]}
