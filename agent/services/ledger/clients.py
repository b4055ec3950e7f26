"""Customers: creation, look-up by folded name, and per-client reminder pauses."""

from __future__ import annotations

import re
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from pydantic import ValidationError
from sqlalchemy import exists, or_
from sqlalchemy.sql.selectable import Select
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.errors import ClientNotFound, InvalidInput
from agent.inputs import invalid_input
from agent.models import Client, ClientCreate, Invoice
from agent.money import normalise_currency
from agent.names import UnsafeName, clean_name

S = TypeVar("S", bound="Select[*tuple[Any, ...]]")


def name_key(name: str) -> str:
    """Case- and whitespace-insensitive identity of a client name."""
    return re.sub(r"\s+", " ", name).strip().casefold()


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


def create(session: Session, data: ClientCreate) -> Client:
    """Add a client; names are unique once case and spacing are folded."""
    try:
        data = ClientCreate.model_validate(data.model_dump())
    except ValidationError as exc:
        raise invalid_input(exc) from None
    try:
        data.name = clean_name(data.name, max_chars=300)
    except UnsafeName as exc:
        raise InvalidInput(str(exc), field="name") from None
    try:
        contact = clean_name(data.contact_name, max_chars=60) if data.contact_name else None
    except UnsafeName as exc:
        raise InvalidInput(str(exc), field="contact_name") from None
    key = name_key(data.name)
    if find_by_name(session, name=data.name) is not None:
        raise InvalidInput(f"a client named {data.name!r} already exists", field="name")
    country = data.country.strip().upper() if data.country else None
    if country is not None and not re.fullmatch(r"[A-Z]{2}", country):
        raise InvalidInput(f"{data.country!r} is not an ISO 3166 country code", field="country")
    client = Client(
        name=data.name,
        name_key=key,
        contact_emails=[e.strip().lower() for e in data.contact_emails if e.strip()],
        language=validate_language(data.language),
        country=country,
        timezone=validate_timezone(data.timezone),
        currency=normalise_currency(data.currency),
        default_terms_days=data.default_terms_days,
        notes=data.notes,
        contact_name=contact,
    )
    session.add(client)
    session.flush()
    return client


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


def set_reminders_paused(session: Session, *, client_id: int, paused: bool) -> Client:
    """Pause or resume reminders for every invoice of a client (e.g. on direct debit)."""
    client = get(session, client_id=client_id)
    client.reminders_paused = paused
    session.add(client)
    session.flush()
    return client


def list_clients(
    session: Session, *, actor: Actor, after_id: int | None = None, limit: int = 100
) -> list[Client]:
    """The clients ``actor`` may see in id order, those after ``after_id`` (keyset pagination)."""
    query = _visible(select(Client), actor).order_by(col(Client.id)).limit(limit)
    if after_id is not None:
        query = query.where(Client.id > after_id)
    return list(session.exec(query))
