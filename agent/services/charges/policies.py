"""A client's charge policy: its statute (or the one its country implies) and what reminders do."""

from __future__ import annotations

from sqlmodel import Session

from agent.errors import InvalidInput
from agent.models import Client
from agent.services.charges.statutes import ChargePolicy, Jurisdiction
from agent.services.ledger import clients

UNSET = object()


def set_policy(
    session: Session,
    *,
    client_id: int,
    jurisdiction: str | object | None = UNSET,
    late_charges: str | object = UNSET,
    reminder_fee_agreed: bool | object = UNSET,
) -> Client:
    """Change only the given fields; ``jurisdiction=None`` goes back to the country's statute."""
    client = clients.get(session, client_id=client_id)
    if jurisdiction is not UNSET:
        client.jurisdiction = _jurisdiction(jurisdiction)
    if late_charges is not UNSET:
        client.late_charges = _policy(late_charges).value
    if reminder_fee_agreed is not UNSET:
        if not isinstance(reminder_fee_agreed, bool):
            raise InvalidInput("reminder_fee_agreed is true or false", field="reminder_fee_agreed")
        client.reminder_fee_agreed = reminder_fee_agreed
    session.add(client)
    session.flush()
    return client


def _jurisdiction(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    try:
        return Jurisdiction(text if text == "none" else text.upper()).value
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a jurisdiction (SE, EU, UK or none)", field="jurisdiction"
        ) from None


def _policy(value: object) -> ChargePolicy:
    try:
        return ChargePolicy(str(value).strip().lower())
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a charge policy (off, mention or claim)", field="late_charges"
        ) from None
