"""A re-import updates what a file says about known clients: e-mail, language, country, zone.

The file is taken as the newer truth for the columns it has; each change goes through
``clients.update`` so it lands in the client's history under the importing actor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from agent.actor import Actor
from agent.models import Client, ClientUpdate
from agent.services.ledger import clients
from agent.services.ledger.io.imports.invoice_rows import InvoiceRecord


def _wanted(record: InvoiceRecord, client: Client) -> dict[str, Any]:
    """The fields this row would change on ``client`` (a new e-mail becomes the contact)."""
    changes: dict[str, Any] = {}
    if record.client_email and record.client_email not in client.contact_emails:
        changes["contact_emails"] = [record.client_email]
    for field, value in (
        ("language", record.client_language),
        ("country", record.client_country),
        ("timezone", record.client_timezone),
    ):
        if value and value != getattr(client, field):
            changes[field] = value
    return changes


def update_existing(
    session: Session,
    records: list[InvoiceRecord],
    *,
    known: Mapping[str, Client],
    actor: Actor,
    dry_run: bool,
) -> list[str]:
    """Apply (or on a dry run, only list) the rows' details to the ``known`` clients (by name
    key) they name; returns the changed names."""
    changed: dict[int, str] = {}
    for record in records:
        client = known.get(record.client_key)
        changes = _wanted(record, client) if client is not None else {}
        if not client or not changes:
            continue
        changed[client.id] = client.name
        if not dry_run:
            clients.update(
                session, client_id=client.id, changes=ClientUpdate(**changes), actor=actor
            )
    return sorted(changed.values())
