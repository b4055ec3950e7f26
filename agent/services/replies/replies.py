"""Client replies: store each message once, match, classify, pause the chase, and let the owner
accept, edit or ignore the proposed next step (agent-inbox's vocabulary).

Any human reply puts the client on hold (the sweep drafts nothing for a client with an unhandled
reply) and bumps the matched invoices' versions, so pending drafts that predate it turn stale
and cannot be approved as written. An out-of-office holds nothing, but nothing is drafted for or
sent to the client before the return day it states. Accepting writes the ledger action with the
reply as its ``source`` in the history; nothing is sent to the client from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.errors import InvalidInput, InvoiceNotFound, ReplyAlreadyHandled, ReplyNotFound
from agent.models import EventKind, Invoice
from agent.models.base import utcnow
from agent.models.reply import (
    Intent,
    MatchMethod,
    ProposedAction,
    Reply,
    ReplyInvoice,
    ReplyStatus,
)
from agent.services.access.ownership import require_owner, scoped
from agent.services.ledger import history, invoices
from agent.services.replies import actions, holds, matching, parsing, proposals
from agent.services.replies.reading import Reading, ReplyReader
from agent.services.webhooks import webhooks
from agent.settings import Settings

SOURCES = ("imap", "file", "api")


@dataclass(frozen=True)
class Ingested:
    reply: Reply
    created: bool


def ingest(
    session: Session,
    *,
    raw: bytes,
    source: str,
    reader: ReplyReader,
    settings: Settings,
    actor: Actor,
) -> Ingested:
    """Store one raw message (once), match and read it, and apply its effects (flushes only)."""
    parsed = parsing.parse(raw, received_at=utcnow(), max_bytes=settings.reply_max_bytes)
    existing = find_by_key(session, message_key=parsed.message_key)
    if existing is not None:
        return Ingested(existing, created=False)
    found = matching.match(session, parsed=parsed)
    reading = reader.read(
        text=parsed.text,
        subject=parsed.subject,
        written_on=parsed.sent_at.date(),
        automatic=parsed.automatic,
    )
    reply = Reply(
        message_key=parsed.message_key,
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
        from_addr=parsed.from_addr,
        from_name=parsed.from_name,
        subject=parsed.subject,
        text=parsed.text,
        quoted_text=parsed.quoted_text,
        html_only=parsed.html_only,
        size_bytes=parsed.size_bytes,
        sent_at=parsed.sent_at,
        source=source,
        match_method=found.method,
        is_automatic=reading.intent == Intent.AUTO_REPLY,
        intent=reading.intent,
        confidence=reading.confidence,
        classified_by=reading.classified_by,
        proposed_action=ProposedAction.NONE,
        status=ReplyStatus.AUTOMATIC
        if reading.intent == Intent.AUTO_REPLY
        else ReplyStatus.PENDING,
    )
    try:
        with session.begin_nested():
            session.add(reply)
            session.flush()
    except IntegrityError:
        # The same message arrived through another door at the same moment: theirs stands.
        again = find_by_key(session, message_key=parsed.message_key)
        if again is None:
            raise
        return Ingested(again, created=False)
    _attach(
        session, reply, client_id=found.client_id, invoice_ids=found.invoice_ids, reading=reading
    )
    _announce(session, reply, actor=actor, settings=settings)
    return Ingested(reply, created=True)


def _attach(
    session: Session,
    reply: Reply,
    *,
    client_id: int | None,
    invoice_ids: list[int],
    reading: Reading,
) -> None:
    """Link the reply to its client and invoices and work out the proposal for them."""
    linked = [session.get(Invoice, i) for i in invoice_ids]
    matched = [inv for inv in linked if inv is not None]
    for invoice in matched:
        session.add(ReplyInvoice(reply_id=reply.id, invoice_id=invoice.id))
    reply.client_id = client_id if client_id is not None else reply.client_id
    if matched:
        reply.owner_id = matched[0].owner_id
    elif reply.client_id is not None:
        # Unmatched but from a known contact: the client is held, so its owner must see it.
        reply.owner_id = matching.owner_of_client(session, client_id=reply.client_id)
    reply.details = reading.details()
    action, data = proposals.propose(reading, invoices=matched)
    reply.proposed_action = action
    reply.action_data = data
    if reading.intent == Intent.AUTO_REPLY and reading.return_date is not None:
        reply.postpone_until = reading.return_date
    session.add(reply)
    session.flush()


def _announce(session: Session, reply: Reply, *, actor: Actor, settings: Settings) -> None:
    """History on each invoice, the client on hold or postponed, and ``reply.received``."""
    listed = invoices_of(session, reply_ids=[reply.id]).get(reply.id, [])
    data = {
        "reply_id": reply.id,
        "intent": str(reply.intent),
        "from": reply.from_addr,
        "subject": reply.subject[:200],
    }
    for invoice in listed:
        history.record(
            session,
            invoice=invoice,
            kind=EventKind.REPLY_RECEIVED,
            actor=actor,
            data=data,
            occurred_at=reply.received_at,
            bump_version=not reply.is_automatic,
        )
    if not reply.is_automatic and reply.client_id is not None:
        holds.stale_pending_drafts(
            session,
            client_id=reply.client_id,
            reply=reply,
            already={inv.id for inv in listed},
            actor=actor,
        )
    if reply.postpone_until is not None and reply.client_id is not None:
        holds.postpone_outbox(session, client_id=reply.client_id, until=reply.postpone_until)
    webhooks.emit(
        session,
        event=webhooks.REPLY_RECEIVED,
        data=data
        | {
            "client_id": reply.client_id,
            "owner_id": reply.owner_id,
            "invoice_ids": [inv.id for inv in listed],
            "match": str(reply.match_method),
            "proposed_action": str(reply.proposed_action),
            "status": str(reply.status),
        },
        owner_id=reply.owner_id,
        event_id=f"reply.received:{reply.id}",
    )


def find_by_key(session: Session, *, message_key: str) -> Reply | None:
    return session.exec(select(Reply).where(Reply.message_key == message_key)).first()


def get(session: Session, *, reply_id: int, actor: Actor) -> Reply:
    """One reply the actor may see (another owner's is not found)."""
    reply = session.get(Reply, reply_id)
    not_found = ReplyNotFound(f"no reply with id {reply_id}", field="reply")
    if reply is None:
        raise not_found
    require_owner(actor, reply.owner_id, not_found=not_found)
    return reply


def list_replies(
    session: Session,
    *,
    actor: Actor,
    status: ReplyStatus | None = None,
    unmatched: bool = False,
    invoice_id: int | None = None,
    client_id: int | None = None,
    limit: int = 200,
) -> list[Reply]:
    """Replies the actor may see, newest first; unmatched ones only reach admins."""
    query = scoped(select(Reply), actor, Reply.owner_id)
    if status is not None:
        query = query.where(Reply.status == status)
    if unmatched:
        query = query.where(Reply.match_method == MatchMethod.UNMATCHED)
    if client_id is not None:
        query = query.where(Reply.client_id == client_id)
    if invoice_id is not None:
        linked = select(ReplyInvoice.reply_id).where(ReplyInvoice.invoice_id == invoice_id)
        query = query.where(col(Reply.id).in_(linked))
    query = query.order_by(col(Reply.received_at).desc(), col(Reply.id).desc()).limit(limit)
    return list(session.exec(query))


def invoices_of(session: Session, *, reply_ids: list[int]) -> dict[int, list[Invoice]]:
    """The invoices of each reply, by reply id."""
    if not reply_ids:
        return {}
    rows = session.exec(
        select(ReplyInvoice.reply_id, Invoice)
        .join(Invoice, col(Invoice.id) == ReplyInvoice.invoice_id)
        .where(col(ReplyInvoice.reply_id).in_(reply_ids))
        .order_by(col(Invoice.due_date), col(Invoice.number))
    ).all()
    found: dict[int, list[Invoice]] = {}
    for reply_id, invoice in rows:
        found.setdefault(reply_id, []).append(invoice)
    return found


def _lock(session: Session, *, reply_id: int, actor: Actor) -> Reply:
    get(session, reply_id=reply_id, actor=actor)
    query = select(Reply).where(Reply.id == reply_id).with_for_update()
    return session.exec(query.execution_options(populate_existing=True)).one()


def _require_pending(reply: Reply) -> None:
    if reply.status != ReplyStatus.PENDING:
        raise ReplyAlreadyHandled(f"reply {reply.id} is already {reply.status!s}")


def accept(
    session: Session,
    *,
    reply_id: int,
    actor: Actor,
    settings: Settings,
    edits: dict[str, Any] | None = None,
    as_of: date | None = None,
) -> Reply:
    """Carry out the proposed action (with the owner's ``edits``), the reply as its source."""
    reply = _lock(session, reply_id=reply_id, actor=actor)
    _require_pending(reply)
    listed = invoices_of(session, reply_ids=[reply.id]).get(reply.id, [])
    if not listed:
        raise InvalidInput(
            f"reply {reply.id} is not matched to any invoice; assign it first", field="invoices"
        )
    outcome = actions.carry_out(
        session,
        reply=reply,
        listed=listed,
        edits=edits or {},
        actor=actor,
        settings=settings,
        as_of=as_of or date.today(),
    )
    return _handled(session, reply, ReplyStatus.ACCEPTED, actor=actor, outcome=outcome)


def ignore(session: Session, *, reply_id: int, actor: Actor, note: str | None = None) -> Reply:
    """Nothing to do about this reply; the client's reminders resume."""
    reply = _lock(session, reply_id=reply_id, actor=actor)
    _require_pending(reply)
    return _handled(
        session, reply, ReplyStatus.IGNORED, actor=actor, outcome={"note": (note or "").strip()}
    )


def _handled(
    session: Session, reply: Reply, status: ReplyStatus, *, actor: Actor, outcome: dict[str, Any]
) -> Reply:
    reply.status = status
    reply.handled_at = utcnow()
    reply.handled_by = actor.label
    reply.handled_by_user_id = actor.user_id
    reply.outcome = outcome
    session.add(reply)
    for invoice in invoices_of(session, reply_ids=[reply.id]).get(reply.id, []):
        history.record(
            session,
            invoice=invoices.lock(session, invoice_id=invoice.id, actor=actor),
            kind=EventKind.REPLY_HANDLED,
            actor=actor,
            data={"reply_id": reply.id, "decision": str(status), "action": outcome.get("action")},
            bump_version=False,
        )
    session.flush()
    return reply


def assign(
    session: Session,
    *,
    reply_id: int,
    invoice_numbers: list[str],
    actor: Actor,
    settings: Settings,
    reader: ReplyReader,
) -> Reply:
    """A person names the invoices of an unmatched reply; it then acts like a matched one.

    Admins assign any reply; an owner the unmatched replies of their clients, to invoices of
    their own.
    """
    reply = _lock(session, reply_id=reply_id, actor=actor)
    _require_pending(reply)
    if reply.match_method != MatchMethod.UNMATCHED:
        raise InvalidInput(f"reply {reply.id} is already matched", field="reply")
    chosen = [invoices.get_by_number(session, number=n) for n in dict.fromkeys(invoice_numbers)]
    for invoice in chosen:
        require_owner(
            actor,
            invoice.owner_id,
            not_found=InvoiceNotFound(f"no invoice numbered {invoice.number!r}", field="number"),
        )
    if not chosen:
        raise InvalidInput("name at least one invoice", field="invoices")
    if len({inv.client_id for inv in chosen}) > 1:
        raise InvalidInput("the invoices belong to different clients", field="invoices")
    reply.match_method = MatchMethod.ASSIGNED
    reading = reader.read(text=reply.text, subject=reply.subject, written_on=reply.sent_at.date())
    _attach(
        session,
        reply,
        client_id=chosen[0].client_id,
        invoice_ids=[inv.id for inv in chosen],
        reading=reading,
    )
    _announce(session, reply, actor=actor, settings=settings)
    return reply


def holding_clients(session: Session, *, client_ids: list[int], as_of: date) -> dict[int, str]:
    """Why the sweep must leave each of these clients alone today (absent: it need not).

    ``reply_pending``: a human reply waits for a person; ``client_away``: an out-of-office
    names a return day after ``as_of``. THE query the sweep asks.
    """
    return holds.holding_clients(session, client_ids=client_ids, as_of=as_of)
