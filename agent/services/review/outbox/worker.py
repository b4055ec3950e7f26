"""The sender: claims due rows under a lease, delivers them, settles expired leases.

The only part of the outbox that takes an engine and opens its own transactions.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agent.background import Repeating
from agent.db import session_scope
from agent.errors import PaytrackError
from agent.models.base import utcnow
from agent.models.outbox import OutboxMessage, OutboxStatus, SendPhase
from agent.services.review.outbox import send_check, withdraw
from agent.services.review.outbox.enqueue import (
    OUTBOX_ACTOR,
    enqueue_owner_notifications,
    mark_sent,
)
from agent.services.review.outbox.message import build_message
from agent.services.review.outbox.send_check import SendCheck
from agent.services.review.outbox.transport import (
    DeliveryUnconfirmed,
    Transport,
    transport_from_settings,
)
from agent.settings import Settings

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 3_600


@dataclass(frozen=True)
class Claim:
    """One claim attempt: ``mine`` when this sender won it, ``held`` when the check failed."""

    row_id: int
    mine: bool
    held: SendCheck | None = None


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0
    unconfirmed: int = 0
    held: int = 0
    cancelled: int = 0
    errors: list[str] = field(default_factory=list)
    # Held drafts whose invoices still owe something: the agent prepares a fresh draft for
    # each (``agent.runtime.send_pass``), outside the sender's transactions.
    held_drafts: list[int] = field(default_factory=list)


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


class Withheld(Exception):
    """Raised at the commit point when the send-time check fails: the final "." is not sent."""


def _hold_if_untrue(
    session: Session, row: OutboxMessage, *, settings: Settings, today: date, lock: bool
) -> SendCheck | None:
    """The failed send-time check after holding the row, or None when it may leave."""
    if row.draft_id is None:
        return None
    check = send_check.check_draft(
        session,
        draft_id=row.draft_id,
        today=today,
        due_soon_days=settings.due_soon_days,
        lock=lock,
    )
    if check.passes:
        return None
    withdraw.hold(session, row=row, check=check, actor=OUTBOX_ACTOR)
    return check


def _claim_next(engine: Engine, *, settings: Settings, now: datetime) -> Claim | None:
    """Claim the next due row, or hold it when what it states is no longer true."""
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
        claimed = session.exec(
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
        if claimed.rowcount != 1:
            return Claim(row_id=candidate, mine=False)
        row = session.get_one(OutboxMessage, candidate, populate_existing=True)
        held = _hold_if_untrue(session, row, settings=settings, today=now.date(), lock=False)
        return Claim(row_id=candidate, mine=True, held=held)


def _pass_commit_point(engine: Engine, row_id: int, *, settings: Settings) -> None:
    """Record phase ``committing``, re-checking the ledger with the invoices locked.

    The UPDATE comes first so that on SQLite this transaction holds the write lock while it
    reads; a payment committed before it is seen, one after it waits and is too late.
    """
    with session_scope(engine) as session:
        session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == row_id)
            .values(phase=SendPhase.COMMITTING)
        )
        row = session.get_one(OutboxMessage, row_id, populate_existing=True)
        held = _hold_if_untrue(session, row, settings=settings, today=utcnow().date(), lock=True)
    if held is not None:
        raise Withheld(held.reason)


def _permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return isinstance(exc, PaytrackError)


def _record_failure(engine: Engine, row_id: int, exc: Exception, *, settings: Settings) -> bool:
    """Back to pending with backoff, or failed; True when it will be retried."""
    with session_scope(engine) as session:
        row = session.get_one(OutboxMessage, row_id)
        retry = not _permanent(exc) and row.attempts < settings.outbox_max_attempts
        row.status = OutboxStatus.PENDING if retry else OutboxStatus.FAILED
        row.phase = None
        row.lease_until = None
        row.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
        if retry:
            row.send_after = utcnow() + _backoff(row.attempts, settings)
        session.add(row)
        return retry


def _record_unconfirmed(engine: Engine, row_id: int, exc: Exception, *, settings: Settings) -> None:
    """The server may hold the message: never an ordinary retry (see the package docstring)."""
    with session_scope(engine) as session:
        row = session.get_one(OutboxMessage, row_id)
        row.phase = None
        row.lease_until = None
        row.last_error = f"{exc}"[:2000]
        if settings.outbox_resend_unconfirmed:
            row.status = OutboxStatus.PENDING
            row.send_after = utcnow() + _backoff(row.attempts, settings)
        else:
            row.status = OutboxStatus.UNCONFIRMED
        session.add(row)


def deliver_one(
    engine: Engine, row_id: int, *, settings: Settings, transport: Transport
) -> OutboxStatus:
    """Deliver a row already claimed by this sender; returns the row's status afterwards."""
    with session_scope(engine) as session:
        row = session.get_one(OutboxMessage, row_id)
        message = build_message(row)
        recipients = list(row.to_addrs)
    try:
        delivered_to = transport.deliver(
            message,
            recipients=recipients,
            on_commit=lambda: _pass_commit_point(engine, row_id, settings=settings),
        )
    except Withheld as exc:
        log.info("outbox message %s held at the commit point: %s", row_id, exc)
        return _status(engine, row_id)
    except DeliveryUnconfirmed as exc:
        log.warning("outbox message %s unconfirmed: %s", row_id, exc)
        _record_unconfirmed(engine, row_id, exc, settings=settings)
        return _status(engine, row_id)
    except (OSError, smtplib.SMTPException, PaytrackError) as exc:
        log.warning("outbox message %s not delivered: %s", row_id, exc)
        _record_failure(engine, row_id, exc, settings=settings)
        return _status(engine, row_id)
    with session_scope(engine) as session:
        row = session.get_one(OutboxMessage, row_id)
        mark_sent(session, row, transport=transport.name, delivered_to=delivered_to)
    return OutboxStatus.SENT


def _status(engine: Engine, row_id: int) -> OutboxStatus:
    with session_scope(engine) as session:
        return session.get_one(OutboxMessage, row_id).status


def _after_hold(engine: Engine, row_id: int, *, settings: Settings, report: DeliveryReport) -> None:
    with session_scope(engine) as session:
        row = session.get_one(OutboxMessage, row_id)
        status, draft_id = row.status, row.draft_id
    if status == OutboxStatus.CANCELLED:
        report.cancelled += 1
        return
    report.held += 1
    if draft_id is not None:
        report.held_drafts.append(draft_id)


def deliver_due(
    engine: Engine,
    *,
    settings: Settings,
    transport: Transport | None = None,
    now: datetime | None = None,
) -> DeliveryReport:
    """One pass of the sender: settle expired leases, then deliver every due row.

    Rows are claimed one at a time until none is due; a retried row is due again only after
    its backoff, so the pass ends.
    """
    transport = transport or transport_from_settings(settings)
    moment = now or datetime.now(UTC)
    report = recover_expired(engine, settings=settings, transport=transport, now=moment)
    while (claim := _claim_next(engine, settings=settings, now=moment)) is not None:
        if not claim.mine:
            continue
        if claim.held is not None:
            _after_hold(engine, claim.row_id, settings=settings, report=report)
            continue
        status = deliver_one(engine, claim.row_id, settings=settings, transport=transport)
        if status == OutboxStatus.SENT:
            report.sent += 1
        elif status in (OutboxStatus.HELD, OutboxStatus.CANCELLED):
            _after_hold(engine, claim.row_id, settings=settings, report=report)
        elif status == OutboxStatus.UNCONFIRMED:
            report.unconfirmed += 1
        elif status == OutboxStatus.FAILED:
            report.failed += 1
        else:
            report.retried += 1
    return report


def send_pass(
    engine: Engine,
    *,
    settings: Settings,
    transport: Transport | None = None,
    now: datetime | None = None,
) -> DeliveryReport:
    """One sender pass: owner notifications into the outbox (when enabled), then delivery."""
    while settings.notify_owners_by_email:
        with session_scope(engine) as session:
            if not enqueue_owner_notifications(session, settings=settings):
                break
    return deliver_due(engine, settings=settings, transport=transport, now=now)


class SenderLoop(Repeating):
    """The sender as a background thread (``paytrack serve``, ``paytrack outbox send --loop``).

    ``sender`` is the pass it repeats (``send_pass`` here; ``agent.runtime.send_pass``, which
    also has the agent redraft what was held, in the running server).
    """

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        sender: Callable[..., DeliveryReport] | None = None,
    ) -> None:
        super().__init__(
            "outbox-sender",
            partial(sender or send_pass, engine, settings=settings),
            what="outbox pass",
            interval=settings.outbox_poll_seconds,
            join_seconds=settings.smtp_timeout_seconds + 5,
        )
