"""The sender: claims due rows under a lease, delivers them, settles expired leases.

The only part of the outbox that takes an engine and opens its own transactions.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from agent.db import session_scope
from agent.errors import PaytrackError
from agent.models.base import utcnow
from agent.models.outbox import OutboxMessage, OutboxStatus, SendPhase
from agent.services.review.outbox.enqueue import enqueue_owner_notifications, mark_sent
from agent.services.review.outbox.message import build_message
from agent.services.review.outbox.transport import Transport, transport_from_settings
from agent.settings import Settings

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 3_600


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0
    unconfirmed: int = 0
    errors: list[str] = field(default_factory=list)


def _backoff(attempts: int, settings: Settings) -> timedelta:
    seconds = settings.outbox_backoff_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, MAX_BACKOFF_SECONDS))


def recover_expired(
    engine: Engine, *, settings: Settings, transport: Transport, now: datetime
) -> DeliveryReport:
    """Settle rows whose sender's lease ran out (see the module docstring)."""
    report = DeliveryReport()
    with session_scope(engine) as session:
        expired = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.SENDING)
            .where(col(OutboxMessage.lease_until) < now)
            .with_for_update(skip_locked=True)
        ).all()
        for row in expired:
            if row.phase == SendPhase.COMMITTING and transport.confirms(row):
                mark_sent(session, row, transport=transport.name, delivered_to="(recovered)")
                report.sent += 1
            elif row.phase == SendPhase.COMMITTING and not settings.outbox_resend_unconfirmed:
                row.status = OutboxStatus.UNCONFIRMED
                row.last_error = (
                    "the sender stopped after handing the message to the server and before "
                    "recording the result; check the mailbox, then confirm or re-send"
                )
                report.unconfirmed += 1
            else:
                row.status = OutboxStatus.PENDING
                row.send_after = now
                report.recovered += 1
            row.lease_until = None
            row.phase = None
            session.add(row)
    return report


def _claim_next(engine: Engine, *, settings: Settings, now: datetime) -> int | None:
    with session_scope(engine) as session:
        candidate = session.exec(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .where(col(OutboxMessage.send_after) <= now)
            .order_by(col(OutboxMessage.send_after), col(OutboxMessage.id))
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if candidate is None:
            return None
        claimed = session.exec(  # type: ignore[call-overload]
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == candidate)
            .where(col(OutboxMessage.status) == OutboxStatus.PENDING)
            .values(
                status=OutboxStatus.SENDING,
                phase=SendPhase.CLAIMED,
                attempts=OutboxMessage.attempts + 1,
                last_attempt_at=now,
                lease_until=now + timedelta(seconds=settings.outbox_lease_seconds),
            )
        )
        return candidate if claimed.rowcount == 1 else -1


def _mark_committing(engine: Engine, row_id: int) -> None:
    with session_scope(engine) as session:
        session.exec(  # type: ignore[call-overload]
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == row_id)
            .values(phase=SendPhase.COMMITTING)
        )


def _permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return isinstance(exc, PaytrackError)


def _record_failure(engine: Engine, row_id: int, exc: Exception, *, settings: Settings) -> bool:
    """Back to pending with backoff, or failed; True when it will be retried."""
    with session_scope(engine) as session:
        row = session.get(OutboxMessage, row_id)
        retry = not _permanent(exc) and row.attempts < settings.outbox_max_attempts
        row.status = OutboxStatus.PENDING if retry else OutboxStatus.FAILED
        row.phase = None
        row.lease_until = None
        row.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
        if retry:
            row.send_after = utcnow() + _backoff(row.attempts, settings)
        session.add(row)
        return retry


def deliver_one(engine: Engine, row_id: int, *, settings: Settings, transport: Transport) -> bool:
    """Deliver a row already claimed by this sender; True when it was sent."""
    with session_scope(engine) as session:
        row = session.get(OutboxMessage, row_id)
        message = build_message(row)
        recipients = list(row.to_addrs)
    try:
        delivered_to = transport.deliver(
            message, recipients=recipients, on_commit=lambda: _mark_committing(engine, row_id)
        )
    except (OSError, smtplib.SMTPException, PaytrackError) as exc:
        log.warning("outbox message %s not delivered: %s", row_id, exc)
        _record_failure(engine, row_id, exc, settings=settings)
        return False
    with session_scope(engine) as session:
        row = session.get(OutboxMessage, row_id)
        mark_sent(session, row, transport=transport.name, delivered_to=delivered_to)
    return True


def deliver_due(
    engine: Engine,
    *,
    settings: Settings,
    transport: Transport | None = None,
    now: datetime | None = None,
    limit: int = 100,
) -> DeliveryReport:
    """One pass of the sender: settle expired leases, then deliver every due row."""
    transport = transport or transport_from_settings(settings)
    moment = now or datetime.now(UTC)
    report = recover_expired(engine, settings=settings, transport=transport, now=moment)
    for _ in range(limit):
        row_id = _claim_next(engine, settings=settings, now=moment)
        if row_id is None:
            break
        if row_id == -1:
            continue
        if deliver_one(engine, row_id, settings=settings, transport=transport):
            report.sent += 1
        else:
            with session_scope(engine) as session:
                status = session.get(OutboxMessage, row_id).status
            if status == OutboxStatus.FAILED:
                report.failed += 1
            else:
                report.retried += 1
    return report


def send_pass(engine: Engine, *, settings: Settings) -> DeliveryReport:
    """One sender pass: owner notifications into the outbox (when enabled), then delivery."""
    if settings.notify_owners_by_email:
        with session_scope(engine) as session:
            enqueue_owner_notifications(session, settings=settings)
    return deliver_due(engine, settings=settings)


class SenderLoop:
    """The sender as a background thread (``paytrack serve``, ``paytrack outbox send --loop``)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                send_pass(self._engine, settings=self._settings)
            except Exception:  # a database hiccup must not end the sender
                log.exception("outbox pass failed; retrying after the poll interval")
            self._stop.wait(self._settings.outbox_poll_seconds)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="outbox-sender", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._settings.smtp_timeout_seconds + 5)
