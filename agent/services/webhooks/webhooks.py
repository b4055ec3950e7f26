"""Webhooks out: subscriptions, an outbox of deliveries, signing; ``worker`` delivers them.

Services call ``emit`` in the transaction of the change itself, which only inserts one
``webhook_delivery`` row per interested subscription; nothing leaves the process there. The
deliverer (``deliver_due``: ``paytrack webhooks deliver`` or the thread under ``serve``) posts
due rows, so an event is never lost while a receiver is down: a failed attempt is retried with
exponential backoff (``BASE_DELAY`` × 2^(attempt−1), at most ``MAX_DELAY``) until
``MAX_ATTEMPTS``, then marked failed. Rows are leased before the HTTP call so that a crash or a
second deliverer never loses or double-sends one within the lease.

Each POST carries the JSON event with headers ``Paytrack-Event``, ``Paytrack-Delivery`` (the
event id, stable across retries: receivers de-duplicate on it), ``Paytrack-Timestamp`` (Unix
seconds) and ``Paytrack-Signature: sha256=<hex>`` where the hex is
``HMAC-SHA256(secret, f"{timestamp}.{body}")``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlmodel import Session, col, select

from agent.errors import InvalidInput, WebhookNotFound
from agent.models import User, UserRole
from agent.models.api import DeliveryStatus, WebhookDelivery, WebhookSubscription
from agent.models.base import utcnow

log = logging.getLogger(__name__)

INVOICE_OVERDUE = "invoice.overdue"
DRAFT_CREATED = "draft.created"
DRAFT_DECIDED = "draft.decided"
REMINDER_SENT = "reminder.sent"
PAYMENT_RECORDED = "payment.recorded"
INVOICE_PAID = "invoice.paid"
REMINDER_HELD = "reminder.held"
REMINDER_CANCELLED = "reminder.cancelled"
REMINDER_REQUEUED = "reminder.requeued"
PAYMENT_REVERSED = "payment.reversed"
CHARGES_CLAIMED = "charges.claimed"
CHARGES_PAID = "charges.paid"
REPLY_RECEIVED = "reply.received"
EVENTS = (
    INVOICE_OVERDUE,
    DRAFT_CREATED,
    DRAFT_DECIDED,
    REMINDER_SENT,
    PAYMENT_RECORDED,
    INVOICE_PAID,
    REMINDER_HELD,
    REMINDER_CANCELLED,
    REMINDER_REQUEUED,
    PAYMENT_REVERSED,
    CHARGES_CLAIMED,
    CHARGES_PAID,
    REPLY_RECEIVED,
)
TEST_EVENT = "webhook.test"

BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
MAX_ATTEMPTS = 10
LEASE = timedelta(minutes=2)
TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class NewSubscription:
    """A subscription as created: the secret is shown this once."""

    subscription: WebhookSubscription
    secret: str


def validate_events(events: Iterable[str]) -> list[str]:
    wanted = sorted({e.strip() for e in events if e.strip()})
    unknown = [e for e in wanted if e not in EVENTS]
    if unknown or not wanted:
        raise InvalidInput(
            f"events must be some of {', '.join(EVENTS)}; got {', '.join(unknown) or 'none'}",
            field="events",
        )
    return wanted


def validate_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"{url!r} is not an http(s) URL", field="url")
    return url.strip()


def create_subscription(
    session: Session,
    *,
    url: str,
    events: Iterable[str],
    created_by_user_id: int | None,
    secret: str | None = None,
) -> NewSubscription:
    """Subscribe ``url`` to ``events``; a secret is generated unless one is given."""
    secret = secret or f"whsec_{secrets.token_urlsafe(32)}"
    if len(secret) < 16:
        raise InvalidInput("a webhook secret needs at least 16 characters", field="secret")
    subscription = WebhookSubscription(
        url=validate_url(url),
        events=validate_events(events),
        secret=secret,
        created_by_user_id=created_by_user_id,
    )
    session.add(subscription)
    session.flush()
    _forget_active(session)
    return NewSubscription(subscription=subscription, secret=secret)


def get_subscription(session: Session, *, subscription_id: int) -> WebhookSubscription:
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise WebhookNotFound(f"no webhook subscription with id {subscription_id}", field="id")
    return subscription


def list_subscriptions(session: Session) -> list[WebhookSubscription]:
    return list(session.exec(select(WebhookSubscription).order_by(col(WebhookSubscription.id))))


def deactivate(session: Session, *, subscription_id: int) -> WebhookSubscription:
    """Stop sending to a subscription; its delivery log stays."""
    subscription = get_subscription(session, subscription_id=subscription_id)
    subscription.is_active = False
    session.add(subscription)
    session.flush()
    _forget_active(session)
    return subscription


_ACTIVE_KEY = "paytrack.webhooks.active"


def _active_subscriptions(session: Session) -> list[tuple[WebhookSubscription, int | None]]:
    """Active subscriptions with the one owner whose events each may receive (``None``: all).

    A subscription made by an admin (or by nobody, e.g. the CLI) receives every owner's
    events; one made by an owner only that owner's. Read once per session: a bulk import
    emits thousands of events.
    """
    cached = session.info.get(_ACTIVE_KEY)
    if cached is None:
        query = (
            select(WebhookSubscription, User.id, User.role)
            .outerjoin(User, col(User.id) == WebhookSubscription.created_by_user_id)
            .where(col(WebhookSubscription.is_active).is_(True))
        )
        # No autoflush: changes to subscriptions flush themselves, and flushing the caller's
        # pending rows here would cost a second flush inside its write transaction.
        with session.no_autoflush:
            cached = [
                (row, None if user_id is None or role == UserRole.ADMIN else user_id)
                for row, user_id, role in session.exec(query)
            ]
        session.info[_ACTIVE_KEY] = cached
    return cached


def _forget_active(session: Session) -> None:
    session.info.pop(_ACTIVE_KEY, None)


def emit(
    session: Session,
    *,
    event: str,
    data: dict[str, Any],
    owner_id: int | None = None,
    event_id: str | None = None,
    now: datetime | None = None,
) -> int:
    """Queue ``event`` for every active subscription to it that may see ``owner_id``'s
    invoices; returns the rows written.

    With an ``event_id``, a subscription that already has that event is skipped, so callers
    that may see the same fact twice (a daily sweep) pass a deterministic id.
    """
    subscriptions = [
        s
        for s, scope in _active_subscriptions(session)
        if event in s.events and (scope is None or scope == owner_id)
    ]
    if not subscriptions:
        return 0
    moment = now or utcnow()
    identifier = event_id or f"evt_{uuid.uuid4().hex}"
    already: set[int] = set()
    if event_id is not None:
        already = set(
            session.exec(
                select(WebhookDelivery.subscription_id).where(
                    WebhookDelivery.event_id == identifier
                )
            )
        )
    payload = {"id": identifier, "type": event, "created_at": moment.isoformat(), "data": data}
    written = 0
    for subscription in subscriptions:
        if subscription.id in already:
            continue
        session.add(
            WebhookDelivery(
                subscription_id=subscription.id,
                event=event,
                event_id=identifier,
                payload=payload,
                next_attempt_at=moment,
                created_at=moment,
            )
        )
        written += 1
    session.flush()
    return written


def sign(secret: str, *, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` under ``secret``."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret: str, *, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    expected = "sha256=" + sign(secret, timestamp=int(timestamp), body=body)
    return hmac.compare_digest(expected, signature)


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` failed ones."""
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def post(
    client: httpx.Client,
    subscription: WebhookSubscription,
    delivery: WebhookDelivery,
    now: datetime,
) -> tuple[int | None, str | None]:
    body = encode(delivery.payload)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "paytrack-webhooks/1",
        "Paytrack-Event": delivery.event,
        "Paytrack-Delivery": delivery.event_id,
        "Paytrack-Timestamp": str(timestamp),
        "Paytrack-Signature": "sha256=" + sign(subscription.secret, timestamp=timestamp, body=body),
    }
    try:
        response = client.post(subscription.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{exc.__class__.__name__}: {exc}"[:1000]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"receiver answered {response.status_code}"


def apply_outcome(
    delivery: WebhookDelivery,
    *,
    status_code: int | None,
    error: str | None,
    now: datetime,
    max_attempts: int,
) -> DeliveryStatus:
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = status_code
    delivery.last_error = error
    if error is None:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
    elif delivery.attempts >= max_attempts:
        delivery.status = DeliveryStatus.FAILED
    else:
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    return delivery.status


def send_test(
    session: Session, *, subscription_id: int, client: httpx.Client | None = None
) -> WebhookDelivery:
    """Post a ``webhook.test`` event to one subscription now and log the attempt."""
    subscription = get_subscription(session, subscription_id=subscription_id)
    moment = utcnow()
    event_id = f"evt_{uuid.uuid4().hex}"
    delivery = WebhookDelivery(
        subscription_id=subscription.id,
        event=TEST_EVENT,
        event_id=event_id,
        payload={
            "id": event_id,
            "type": TEST_EVENT,
            "created_at": moment.isoformat(),
            "data": {"subscription_id": subscription.id},
        },
        next_attempt_at=moment,
        created_at=moment,
    )
    own_client = client is None
    http = client or httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)
    try:
        status_code, error = post(http, subscription, delivery, moment)
    finally:
        if own_client:
            http.close()
    # A test is one attempt, never retried.
    apply_outcome(delivery, status_code=status_code, error=error, now=moment, max_attempts=1)
    session.add(delivery)
    session.flush()
    return delivery


def list_deliveries(
    session: Session,
    *,
    subscription_id: int,
    status: DeliveryStatus | None = None,
    limit: int = 100,
) -> list[WebhookDelivery]:
    """The subscription's delivery log, newest first."""
    get_subscription(session, subscription_id=subscription_id)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription_id)
        .order_by(col(WebhookDelivery.id).desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return list(session.exec(query))


def subscribed(session: Session, *, events: tuple[str, ...]) -> bool:
    """Does any active subscription want one of ``events``? Lets bulk writers skip the work."""
    return any(e in s.events for s, _scope in _active_subscriptions(session) for e in events)
