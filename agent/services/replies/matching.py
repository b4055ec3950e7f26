"""Which invoices a reply is about: the thread it answers, else the numbers it names.

1. In-Reply-To / References against the Message-IDs of reminders paytrack sent (outbox rows).
2. Invoice numbers or payment references in the subject and body, counted only when the sender
   is one of that client's contact addresses (anyone can write a number in a mail).
3. Otherwise "unmatched": a person assigns it. The client is still named when the sender is a
   contact of exactly one client, so that client's reminders pause meanwhile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import String, cast, or_
from sqlmodel import Session, col, select

from agent.models import Client, Invoice
from agent.models.draft import Draft
from agent.models.outbox import OutboxMessage
from agent.models.reply import MatchMethod
from agent.services.replies.parsing import ParsedReply

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.-]{1,62}[A-Za-z0-9]")
MAX_TOKENS = 300


@dataclass(frozen=True)
class Match:
    method: MatchMethod
    client_id: int | None
    invoice_ids: list[int] = field(default_factory=list)


def match(session: Session, *, parsed: ParsedReply) -> Match:
    """The invoices (and client) a parsed reply belongs to."""
    threaded = by_thread(session, message_ids=[parsed.in_reply_to, *parsed.references])
    if threaded is not None:
        return threaded
    senders_clients = clients_of_sender(session, address=parsed.from_addr)
    numbered = by_numbers(
        session, text=f"{parsed.subject}\n{parsed.text}", client_ids=senders_clients
    )
    if numbered is not None:
        return numbered
    only = senders_clients[0] if len(senders_clients) == 1 else None
    return Match(method=MatchMethod.UNMATCHED, client_id=only)


def by_thread(session: Session, *, message_ids: list[str | None]) -> Match | None:
    """The reminder(s) this message answers, by their Message-IDs."""
    wanted = [m for m in message_ids if m]
    if not wanted:
        return None
    rows = session.exec(
        select(OutboxMessage, Draft)
        .join(Draft, col(Draft.id) == OutboxMessage.draft_id)
        .where(col(OutboxMessage.message_id).in_(wanted))
    ).all()
    if not rows:
        return None
    # The message answered directly wins; the references name earlier reminders in the thread.
    rows = sorted(rows, key=lambda row: wanted.index(row[0].message_id))
    invoice_ids: list[int] = []
    for message, _draft in rows:
        invoice_ids += [i for i in message.invoice_ids if i not in invoice_ids]
    return Match(method=MatchMethod.THREAD, client_id=rows[0][1].client_id, invoice_ids=invoice_ids)


def clients_of_sender(session: Session, *, address: str) -> list[int]:
    """Clients that list ``address`` among their contacts (case-insensitive)."""
    address = address.strip().lower()
    if not address:
        return []
    # A text prefilter on the JSON column works on SQLite and PostgreSQL; Python decides.
    candidates = session.exec(
        select(Client).where(
            cast(Client.contact_emails, String).ilike(f"%{address.replace('%', '')}%")
        )
    ).all()
    return [
        c.id for c in candidates if address in {e.strip().lower() for e in c.contact_emails or []}
    ]


def by_numbers(session: Session, *, text: str, client_ids: list[int]) -> Match | None:
    """Invoices of the sender's clients whose number or payment reference the text names."""
    if not client_ids:
        return None
    tokens = list(dict.fromkeys(_TOKEN.findall(text)))[:MAX_TOKENS]
    if not tokens:
        return None
    found = session.exec(
        select(Invoice)
        .where(col(Invoice.client_id).in_(client_ids))
        .where(or_(col(Invoice.number).in_(tokens), col(Invoice.reference).in_(tokens)))
        .order_by(col(Invoice.due_date), col(Invoice.id))
    ).all()
    if not found:
        return None
    client_id = found[0].client_id
    return Match(
        method=MatchMethod.REFERENCE,
        client_id=client_id,
        invoice_ids=[inv.id for inv in found if inv.client_id == client_id],
    )


def owner_of_client(session: Session, *, client_id: int) -> int | None:
    """The owner of the client's most recent invoice (who follows that client up)."""
    return session.exec(
        select(Invoice.owner_id)
        .where(Invoice.client_id == client_id)
        .order_by(col(Invoice.issue_date).desc(), col(Invoice.id).desc())
        .limit(1)
    ).first()
