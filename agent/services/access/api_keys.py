"""API keys: issued once, stored as a SHA-256 hash, found by prefix, scoped, revocable.

A key reads ``pt_<prefix>_<secret>``. The prefix (12 hex digits) is public and names the key in
logs and history; the secret has 256 bits of entropy, so a plain SHA-256 is a sound verifier
(no password stretching is needed for a random secret) and a lookup costs one indexed read.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import bindparam, or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from agent.actor import Actor
from agent.errors import ApiKeyNotFound, Forbidden, InvalidInput, Unauthorized
from agent.models import User, UserRole
from agent.models.api import ApiKey, Scope
from agent.models.base import utcnow
from agent.services.access import users

KEY_PREFIX = "pt"
# Writing last_used_at on every request would turn reads into writes; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)

# What each granted scope lets a key do: admin implies all, write and approve imply read.
_IMPLIED: dict[Scope, frozenset[Scope]] = {
    Scope.READ: frozenset({Scope.READ}),
    Scope.WRITE: frozenset({Scope.READ, Scope.WRITE}),
    Scope.APPROVE: frozenset({Scope.READ, Scope.APPROVE}),
    Scope.ADMIN: frozenset(Scope),
}


@dataclass(frozen=True)
class IssuedKey:
    """A new key: the row, and the full token, which is shown this once and never again."""

    key: ApiKey
    token: str


@dataclass(frozen=True)
class Caller:
    """Who is calling the API: the key, its user, and the actor written into history."""

    key: ApiKey
    user: User

    @property
    def actor(self) -> Actor:
        return Actor.api_key(
            self.key.prefix, user_id=self.user.id, admin=self.user.role == UserRole.ADMIN
        )

    @property
    def scopes(self) -> frozenset[Scope]:
        """The key's scopes, capped by its user's role: only an admin's key keeps ``admin``."""
        return effective_scopes(within_role(self.key.scopes, self.user))

    def require(self, scope: Scope) -> None:
        if scope not in self.scopes:
            raise Forbidden(f"API key {self.key.prefix} lacks the {scope!s} scope", field="scope")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_scopes(values: Iterable[str]) -> list[str]:
    """Validated, de-duplicated scope names in a stable order."""
    wanted: set[Scope] = set()
    for value in values:
        for part in value.split(","):
            name = part.strip().lower()
            if not name:
                continue
            try:
                wanted.add(Scope(name))
            except ValueError:
                known = ", ".join(s.value for s in Scope)
                raise InvalidInput(
                    f"unknown scope {name!r}; known scopes: {known}", field="scope"
                ) from None
    if not wanted:
        raise InvalidInput("a key needs at least one scope", field="scope")
    return [s.value for s in Scope if s in wanted]


def effective_scopes(granted: Iterable[str]) -> frozenset[Scope]:
    result: set[Scope] = set()
    for name in granted:
        if name in Scope._value2member_map_:
            result |= _IMPLIED[Scope(name)]
    return frozenset(result)


def within_role(granted: Iterable[str], user: User) -> list[str]:
    """The granted scope names a key of ``user`` may use: ``admin`` only for an admin."""
    if user.role == UserRole.ADMIN:
        return list(granted)
    return [name for name in granted if name != Scope.ADMIN.value]


def create(session: Session, *, user_id: int, scopes: Iterable[str], name: str = "") -> IssuedKey:
    """Issue a key for ``user_id``; the returned token is the only copy of the secret."""
    user = users.get(session, user_id=user_id)
    if not user.is_active:
        raise InvalidInput(f"user {user.email} is inactive", field="user")
    scopes = parse_scopes(scopes)
    if within_role(scopes, user) != scopes:
        raise Forbidden(
            f"{user.email} is not an admin; a key cannot have more power than its user",
            field="scopes",
        )
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        user_id=user_id,
        name=name.strip() or f"key for {user.email}",
        prefix=prefix,
        secret_hash=_hash(secret),
        scopes=scopes,
    )
    session.add(key)
    session.flush()
    return IssuedKey(key=key, token=f"{KEY_PREFIX}_{prefix}_{secret}")


@lru_cache(maxsize=1)
def _key_and_user() -> Select[ApiKey, User]:
    """The key with a prefix and its user, in one read built once: it runs before every API
    request, where building and fingerprinting a statement costs as much as running it."""
    return (
        select(ApiKey, User)
        .outerjoin(User, col(User.id) == ApiKey.user_id)
        .where(ApiKey.prefix == bindparam("prefix"))
    )


def authenticate(session: Session, *, token: str, now: datetime | None = None) -> Caller:
    """The caller a token belongs to; ``Unauthorized`` for anything unknown, revoked or wrong."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        raise Unauthorized("the API key is malformed", field="authorization")
    _, prefix, secret = parts
    found = session.exec(_key_and_user(), params={"prefix": prefix}).first()
    key, user = found if found is not None else (None, None)
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret)):
        raise Unauthorized("the API key is not valid", field="authorization")
    if key.revoked_at is not None:
        raise Unauthorized(f"API key {prefix} was revoked", field="authorization")
    if user is None or not user.is_active:
        raise Unauthorized(f"the user of API key {prefix} is inactive", field="authorization")
    moment = now or utcnow()
    if key.last_used_at is None or moment - key.last_used_at >= LAST_USED_RESOLUTION:
        _stamp_last_used(session, key=key, moment=moment)
    return Caller(key=key, user=user)


def _stamp_last_used(session: Session, *, key: ApiKey, moment: datetime) -> None:
    """Note that ``key`` was used at ``moment``, unless another request is noting it already.

    The stamp's row lock lasts as long as the request's transaction. Clients sharing one key
    all cross the minute together, and waiting for one another's locks would queue every one
    of them behind the others' whole requests. So a request skips a row that another request
    has locked (PostgreSQL's ``SKIP LOCKED``; SQLite has one writer at a time anyway), and the
    update re-checks the age, so a stamp that another request has just committed stays put.
    """
    unlocked = select(ApiKey.id).where(ApiKey.id == key.id).with_for_update(skip_locked=True)
    stamped = session.execute(
        update(ApiKey)
        .where(
            col(ApiKey.id).in_(unlocked.scalar_subquery()),
            or_(
                col(ApiKey.last_used_at).is_(None),
                col(ApiKey.last_used_at) <= moment - LAST_USED_RESOLUTION,
            ),
        )
        .values(last_used_at=moment)
        .execution_options(synchronize_session=False)
    )
    if stamped.rowcount:  # type: ignore[attr-defined]
        set_committed_value(key, "last_used_at", moment)


def list_keys(session: Session, *, user_id: int | None = None) -> list[ApiKey]:
    query = select(ApiKey).order_by(col(ApiKey.created_at), col(ApiKey.id))
    if user_id is not None:
        query = query.where(ApiKey.user_id == user_id)
    return list(session.exec(query))


def get_by_prefix(session: Session, *, prefix: str) -> ApiKey:
    key = session.exec(select(ApiKey).where(ApiKey.prefix == prefix.strip())).first()
    if key is None:
        raise ApiKeyNotFound(f"no API key with prefix {prefix!r}", field="prefix")
    return key


def revoke(session: Session, *, prefix: str, now: datetime | None = None) -> ApiKey:
    """Revoke a key for good; revoking twice keeps the first time."""
    key = get_by_prefix(session, prefix=prefix)
    if key.revoked_at is None:
        key.revoked_at = now or utcnow()
        session.add(key)
        session.flush()
    return key
