"""People who own invoices: creation, look-up, and parsing ``Name <e-mail>`` owner text."""

from __future__ import annotations

import re
from email.utils import parseaddr
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from pydantic import ValidationError
from sqlmodel import Session, func, select

from agent.errors import InvalidInput, UserNotFound
from agent.models import User, UserCreate, UserRole

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def create(session: Session, *, name: str, email: str, role: UserRole = UserRole.OWNER) -> User:
    """Add a person; the e-mail address is their identity and must be new."""
    try:
        data = UserCreate(name=name, email=email, role=role)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(first["msg"], field=str(first["loc"][0])) from None
    normalised = str(data.email).lower()
    if find_by_email(session, email=normalised) is not None:
        raise InvalidInput(f"a user with e-mail {normalised} already exists", field="email")
    user = User(name=data.name.strip(), email=normalised, role=data.role)
    session.add(user)
    session.flush()
    return user


def get(session: Session, *, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UserNotFound(f"no user with id {user_id}", field="owner")
    return user


def find_by_email(session: Session, *, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def find_by_name(session: Session, *, name: str) -> User | None:
    query = select(User).where(func.lower(User.name) == name.strip().lower())
    return session.exec(query).first()


@lru_cache(maxsize=4_096)
def parse_owner_text(text: str) -> tuple[str, str | None]:
    """Split owner text into (name, e-mail or None).

    ``"Ann <ann@x.io>"`` → ("Ann", "ann@x.io"); ``"ann@x.io"`` → ("ann", …);
    ``"Ann"`` → ("Ann", None).
    """
    raw = text.strip()
    if not raw:
        raise InvalidInput("owner is empty", field="owner")
    name, address = parseaddr(raw)
    if address and _EMAIL.match(address):
        return (name.strip() or address.split("@")[0]), address.lower()
    if _EMAIL.match(raw):
        return raw.split("@")[0], raw.lower()
    return raw, None


def resolve_owner(session: Session, *, text: str, create_missing: bool) -> tuple[User, bool]:
    """The user an owner text names, creating one when allowed; returns (user, created)."""
    name, email = parse_owner_text(text)
    user = find_by_email(session, email=email) if email else find_by_name(session, name=name)
    if user is not None:
        return user, False
    if not create_missing:
        raise UserNotFound(f"no user matches owner {text!r}", field="owner")
    if email is None:
        slug = re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".") or "owner"
        email = f"{slug}@users.paytrack.example"
    return create(session, name=name, email=email), True


# Argon2id with the library's current defaults; one hasher object is stateless and thread-safe.
_hasher = PasswordHasher()


def set_password(session: Session, *, user_id: int, password: str) -> User:
    """Store an Argon2id hash of ``password``; refuses passwords shorter than 10 characters."""
    if len(password) < 10:
        raise InvalidInput("a password needs at least 10 characters", field="password")
    user = get(session, user_id=user_id)
    user.password_hash = _hasher.hash(password)
    session.add(user)
    session.flush()
    return user


def verify_password(session: Session, *, user: User, password: str) -> bool:
    """True when ``password`` matches; upgrades the stored hash when its parameters are old."""
    if not user.password_hash or not user.is_active:
        return False
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.add(user)
        session.flush()
    return True


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.email)))
