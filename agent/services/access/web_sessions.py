"""Browser sign-in: password check, rate limits, and sessions stored as a hash of the token."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from agent.errors import TooManySignInAttempts, Unauthorized
from agent.models import SignInAttempt, User, UserSession
from agent.models.base import utcnow
from agent.services.access import users
from agent.settings import Settings

ATTEMPT_WINDOW = timedelta(minutes=15)
IP_FACTOR = 4


@dataclass(frozen=True)
class SignedIn:
    user: User
    token: str  # goes into the cookie; only its hash is stored
    csrf_token: str
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _failures(
    session: Session, *, since: datetime, email: str | None = None, ip: str | None = None
) -> int:
    query = (
        select(func.count())
        .select_from(SignInAttempt)
        .where(col(SignInAttempt.attempted_at) >= since)
        .where(col(SignInAttempt.succeeded).is_(False))
    )
    if email is not None:
        query = query.where(SignInAttempt.email == email)
    if ip is not None:
        query = query.where(SignInAttempt.ip == ip)
    return int(session.exec(query).one())


def sign_in(
    session: Session, *, email: str, password: str, ip: str, settings: Settings
) -> SignedIn:
    """Check the password (Argon2id) under per-e-mail and per-IP limits; open a session.

    A wrong password raises ``Unauthorized`` and rolls the transaction back, so the caller
    records the failure with ``record_failure`` in a transaction of its own.
    """
    email = email.strip().lower()[:320]
    now = utcnow()
    since = now - ATTEMPT_WINDOW
    limit = settings.sign_in_max_failures
    if (
        _failures(session, since=since, email=email) >= limit
        or _failures(session, since=since, ip=ip) >= limit * IP_FACTOR
    ):
        raise TooManySignInAttempts(
            "too many failed sign-ins; wait 15 minutes and try again", field="email"
        )
    user = users.find_by_email(session, email=email) if email else None
    if user is None or not users.verify_password(session, user=user, password=password):
        raise Unauthorized("e-mail or password is wrong", field="password")
    session.add(SignInAttempt(email=email, ip=ip[:64], succeeded=True, attempted_at=now))
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=settings.session_hours)
    session.add(
        UserSession(token_hash=_hash(token), user_id=user.id, csrf_token=csrf, expires_at=expires)
    )
    session.flush()
    return SignedIn(user=user, token=token, csrf_token=csrf, expires_at=expires)


def record_failure(session: Session, *, email: str, ip: str) -> None:
    session.add(SignInAttempt(email=email.strip().lower()[:320], ip=ip[:64], succeeded=False))
    session.flush()


def current(session: Session, *, token: str | None) -> tuple[User, UserSession] | None:
    """The signed-in user and session for a cookie token, or None when absent/expired/revoked."""
    if not token:
        return None
    row = session.exec(select(UserSession).where(UserSession.token_hash == _hash(token))).first()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return user, row


def sign_out(session: Session, *, token: str | None) -> None:
    if not token:
        return
    row = session.exec(select(UserSession).where(UserSession.token_hash == _hash(token))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.flush()


def csrf_matches(row: UserSession, submitted: str | None) -> bool:
    return bool(submitted) and secrets.compare_digest(row.csrf_token, submitted or "")


def prune(session: Session) -> int:
    """Forget expired sessions and old attempts."""
    now = utcnow()
    gone = session.exec(delete(UserSession).where(col(UserSession.expires_at) < now))
    session.exec(
        delete(SignInAttempt).where(col(SignInAttempt.attempted_at) < now - timedelta(days=1))
    )
    return int(gone.rowcount or 0)
