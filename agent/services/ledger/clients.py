"""Customers: creation, look-up by folded name, changes with history, and who may see one."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from pydantic import ValidationError
from sqlalchemy import exists, or_
from sqlalchemy.sql.selectable import Select
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.errors import ClientNotFound, InvalidInput
from agent.inputs import invalid_input
from agent.models import Client, ClientCreate, ClientEvent, ClientUpdate, Invoice
from agent.money import normalise_currency
from agent.names import UnsafeName, clean_name
from agent.services.access.ownership import owner_scope

S = TypeVar("S", bound="Select[*tuple[Any, ...]]")


_SPACE_RUNS = re.compile(r"\s+")


def name_key(name: str) -> str:
    """Case- and whitespace-insensitive identity of a client name."""
    return _SPACE_RUNS.sub(" ", name).strip().casefold()


def validate_language(code: str, *, field: str = "language") -> str:
    candidate = (code or "").strip().replace("-", "_")
    try:
        return str(Locale.parse(candidate).language)
    except (ValueError, UnknownLocaleError):
        raise InvalidInput(f"{code!r} is not a known language code", field=field) from None


def validate_timezone(name: str, *, field: str = "timezone") -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"{name!r} is not an IANA time zone", field=field) from None
    return name


def validate_country(code: str | None, *, field: str = "country") -> str | None:
    country = code.strip().upper() if code and code.strip() else None
    if country is not None and not re.fullmatch(r"[A-Z]{2}", country):
        raise InvalidInput(f"{code!r} is not an ISO 3166 country code", field=field)
    return country


def timezone_for_country(country: str | None) -> str | None:
    """The country's time zone when it has exactly one (SE, NL, BG), else ``None`` (US, BR)."""
    zones = get_global("territory_zones").get((country or "").upper(), [])
    return zones[0] if len(zones) == 1 else None


EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+")


def validate_emails(emails: list[str], *, field: str = "contact_emails") -> list[str]:
    """Lower-cased addresses without blanks or repeats; a malformed one is ``InvalidInput``."""
    cleaned: list[str] = []
    for raw in emails:
        email = raw.strip().lower()
        if email and not EMAIL.fullmatch(email):
            raise InvalidInput(f"{raw!r} is not an e-mail address", field=field)
        if email and email not in cleaned:
            cleaned.append(email)
    return cleaned


def create(session: Session, data: ClientCreate) -> Client:
    """Add a client; names are unique once case and spacing are folded."""
    client = build(data)
    if find_by_name(session, name=client.name) is not None:
        raise InvalidInput(f"a client named {client.name!r} already exists", field="name")
    session.add(client)
    session.flush()
    return client


def build(data: ClientCreate) -> Client:
    """A validated new client, not yet added: ``create`` adds one, an importer many at once."""
    try:
        data = ClientCreate.model_validate(data.model_dump())
    except ValidationError as exc:
        raise invalid_input(exc) from None
    try:
        name = clean_name(data.name, max_chars=300)
    except UnsafeName as exc:
        raise InvalidInput(str(exc), field="name") from None
    try:
        contact = clean_name(data.contact_name, max_chars=60) if data.contact_name else None
    except UnsafeName as exc:
        raise InvalidInput(str(exc), field="contact_name") from None
    return Client(
        name=name,
        name_key=name_key(name),
        contact_emails=validate_emails(data.contact_emails),
        language=validate_language(data.language),
        country=validate_country(data.country),
        timezone=validate_timezone(data.timezone),
        currency=normalise_currency(data.currency),
        default_terms_days=data.default_terms_days,
        notes=data.notes,
        contact_name=contact,
    )


def get(session: Session, *, client_id: int) -> Client:
    client = session.get(Client, client_id)
    if client is None:
        raise ClientNotFound(f"no client with id {client_id}", field="client")
    return client


def _visible(query: S, actor: Actor) -> S:
    """The clients ``actor`` may see: an owner sees a client with at least one of their invoices,
    or with no invoice yet (a new client is nobody's); an admin sees every client."""
    if actor.sees_all:
        return query
    billed = exists().where(col(Invoice.client_id) == Client.id)
    mine = billed.where(col(Invoice.owner_id) == actor.user_id)
    return query.where(or_(mine, ~billed))


def read(session: Session, *, client_id: int, actor: Actor) -> Client:
    """The client as ``actor`` may see it; another owner's client is not found."""
    client = session.exec(_visible(select(Client).where(Client.id == client_id), actor)).first()
    if client is None:
        raise ClientNotFound(f"no client with id {client_id}", field="client")
    return client


def find_by_name(session: Session, *, name: str) -> Client | None:
    return session.exec(select(Client).where(Client.name_key == name_key(name))).first()


def get_by_name(session: Session, *, name: str) -> Client:
    client = find_by_name(session, name=name)
    if client is None:
        raise ClientNotFound(f"no client named {name!r}", field="client")
    return client


def find_or_create(session: Session, data: ClientCreate) -> tuple[Client, bool]:
    """The client with this name, or a new one from ``data``; returns (client, created)."""
    existing = find_by_name(session, name=data.name)
    if existing is not None:
        return existing, False
    return create(session, data), True


def set_reminders_paused(
    session: Session, *, client_id: int, paused: bool, actor: Actor | None = None
) -> Client:
    """Pause or resume reminders for every invoice of a client (e.g. on direct debit)."""
    changes = ClientUpdate(reminders_paused=paused)
    return update(session, client_id=client_id, changes=changes, actor=actor or SYSTEM)


SYSTEM = Actor.system("clients")
REQUIRED = frozenset({"language", "timezone", "currency", "default_terms_days", "reminders_paused"})
EDITABLE = tuple(ClientUpdate.model_fields)


def require_visible(session: Session, *, client: Client, actor: Actor) -> None:
    """An owner sees a client they invoice; anyone else's client is not found (404)."""
    owner_id = owner_scope(actor)
    if owner_id is None:
        return
    mine = session.exec(
        select(Invoice.id)
        .where(Invoice.client_id == client.id, Invoice.owner_id == owner_id)
        .limit(1)
    ).first()
    if mine is None:
        raise ClientNotFound(f"no client with id {client.id}", field="client")


def get_visible(session: Session, *, client_id: int, actor: Actor) -> Client:
    client = get(session, client_id=client_id)
    require_visible(session, client=client, actor=actor)
    return client


def _validated(session: Session, client: Client, field: str, value: Any) -> Any:
    """The value to store for ``field``, checked as ``create`` checks it."""
    if field == "name":
        if value is None or not str(value).strip():
            raise InvalidInput("a client needs a name", field="name")
        other = find_by_name(session, name=value)
        if other is not None and other.id != client.id:
            raise InvalidInput(f"a client named {value!r} already exists", field="name")
        return re.sub(r"\s+", " ", value).strip()
    checks: dict[str, Callable[[Any], Any]] = {
        "contact_emails": lambda v: validate_emails(v or []),
        "language": validate_language,
        "country": validate_country,
        "timezone": validate_timezone,
        "currency": normalise_currency,
        "notes": lambda v: (v or "").strip() or None,
        "reminder_consequence": lambda v: (v or "").strip() or None,
    }
    if value is None and field in REQUIRED:
        raise InvalidInput(f"{field.replace('_', ' ')} cannot be empty", field=field)
    return checks[field](value) if field in checks else value


def update(session: Session, *, client_id: int, changes: ClientUpdate, actor: Actor) -> Client:
    """Change the fields set in ``changes``; one history event lists each change (from, to)."""
    client = get_visible(session, client_id=client_id, actor=actor)
    changed: dict[str, dict[str, Any]] = {}
    for field in EDITABLE:
        if field not in changes.model_fields_set:
            continue
        value = _validated(session, client, field, getattr(changes, field))
        before = getattr(client, field)
        if value != before:
            changed[field] = {"from": before, "to": value}
            setattr(client, field, value)
    if "name" in changed:
        client.name_key = name_key(client.name)
    if changed:
        session.add(client)
        session.add(
            ClientEvent(
                client_id=client.id,
                kind="updated",
                actor=actor.label,
                actor_user_id=actor.user_id,
                data=changed,
            )
        )
        session.flush()
    return client


def history_of(session: Session, *, client_id: int) -> list[ClientEvent]:
    """The client's change history, newest first."""
    query = (
        select(ClientEvent)
        .where(ClientEvent.client_id == client_id)
        .order_by(col(ClientEvent.occurred_at).desc(), col(ClientEvent.id).desc())
    )
    return list(session.exec(query))


def list_clients(
    session: Session, *, actor: Actor, after_id: int | None = None, limit: int = 100
) -> list[Client]:
    """The clients ``actor`` may see in id order, those after ``after_id`` (keyset pagination)."""
    query = _visible(select(Client), actor).order_by(col(Client.id)).limit(limit)
    if after_id is not None:
        query = query.where(Client.id > after_id)
    return list(session.exec(query))


def list_visible(
    session: Session, *, actor: Actor, search: str = "", limit: int = 200
) -> list[Client]:
    """Clients by name that the actor invoices (all for an admin), optionally by name part."""
    query = select(Client).order_by(col(Client.name_key)).limit(limit)
    owner_id = owner_scope(actor)
    if owner_id is not None:
        mine = select(Invoice.client_id).where(Invoice.owner_id == owner_id)
        query = query.where(col(Client.id).in_(mine))
    if search.strip():
        query = query.where(col(Client.name_key).contains(name_key(search)))
    return list(session.exec(query))
