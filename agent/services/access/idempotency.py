"""Idempotency keys: a repeated POST gets the first answer instead of doing the work twice.

A record is scoped to the key owner (the user behind the API key) and lives ``RETENTION``
(24 hours); after that the same key is treated as new. The request is identified by method,
path and a SHA-256 of the body: the same key with a different request is refused with 409.
Only successful answers are stored — a failed request rolled its transaction back, so it left
nothing behind and may simply be retried with the same key. The record is written in the same
transaction as the change it describes, so either both exist or neither does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from agent.errors import IdempotencyKeyReused, InvalidInput
from agent.models.api import IdempotencyRecord
from agent.models.base import utcnow

RETENTION = timedelta(hours=24)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: str


def request_hash(*, method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), b"\0", path.encode(), b"\0", body):
        digest.update(part)
    return digest.hexdigest()


def validate_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters",
            field="Idempotency-Key",
        )
    return key


def lookup(
    session: Session,
    *,
    owner: str,
    key: str,
    fingerprint: str,
    now: datetime | None = None,
) -> StoredResponse | None:
    """The stored answer for this key, None when the key is new (or expired)."""
    record = session.exec(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.owner == owner)
        .where(IdempotencyRecord.key == key)
    ).first()
    if record is None:
        return None
    if (now or utcnow()) - record.created_at >= RETENTION:
        session.delete(record)
        session.flush()
        return None
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            f"Idempotency-Key {key!r} was first used for a different request "
            f"({record.method} {record.path})",
            field="Idempotency-Key",
        )
    return StoredResponse(status_code=record.status_code, body=record.response_body)


def remember(
    session: Session,
    *,
    owner: str,
    key: str,
    fingerprint: str,
    method: str,
    path: str,
    response: StoredResponse,
) -> IdempotencyRecord:
    record = IdempotencyRecord(
        owner=owner,
        key=key,
        method=method.upper(),
        path=path[:500],
        request_hash=fingerprint,
        status_code=response.status_code,
        response_body=response.body,
    )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        # A concurrent request with the same key committed first; this one's work rolls back.
        raise IdempotencyKeyReused(
            f"a request with Idempotency-Key {key!r} is already being processed",
            field="Idempotency-Key",
        ) from None
    return record


def purge_expired(session: Session, *, now: datetime | None = None) -> int:
    """Delete records past their retention; returns how many went."""
    cutoff = (now or utcnow()) - RETENTION
    result = session.exec(
        delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < cutoff)
    )
    return int(result.rowcount or 0)
