"""Outbox rules: enqueueing an approved draft or an owner notification, recording a delivery,
and what a person may do with an unconfirmed or failed message. Services only flush."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.utils import formataddr
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.errors import Forbidden, InvalidInput, NotFound
from agent.models import Client, EventKind, Invoice, InvoiceEvent, User, UserRole
from agent.models.base import utcnow
from agent.models.draft import Draft, DraftInvoice, DraftStatus
from agent.models.notification import Notification
from agent.models.outbox import OutboxMessage, OutboxStatus
from agent.services.ledger import history
from agent.services.review.outbox.message import (
    attachment_path,
    document_lines,
    html_body,
    mail_domain,
    message_id_for,
)
from agent.services.review.send_window import next_business_slot
from agent.services.webhooks import webhooks
from agent.settings import Settings

OUTBOX_ACTOR = Actor.system("outbox")


def find_for_draft(session: Session, *, draft_id: int) -> OutboxMessage | None:
    return session.exec(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == f"draft:{draft_id}")
    ).first()


def earlier_message_ids(session: Session, *, invoice_ids: list[int]) -> list[str]:
    """Message-IDs already sent for these invoices, oldest first (for In-Reply-To/References)."""
    events = session.exec(
        select(InvoiceEvent)
        .where(col(InvoiceEvent.invoice_id).in_(invoice_ids))
        .where(InvoiceEvent.kind == EventKind.REMINDER_SENT)
        .order_by(col(InvoiceEvent.occurred_at), col(InvoiceEvent.id))
    ).all()
    seen: list[str] = []
    for event in events:
        message_id = (event.data or {}).get("message_id")
        if message_id and message_id not in seen:
            seen.append(message_id)
    return seen


def _send_after(draft: Draft, client: Client, *, send_now: bool) -> datetime:
    now = utcnow()
    if send_now:
        return now
    if draft.suggested_send_at > now:
        return draft.suggested_send_at
    return next_business_slot(not_before=now, timezone=client.timezone)


@dataclass(frozen=True)
class Composed:
    """The e-mail exactly as it will leave: what the preview shows and the outbox stores."""

    from_addr: str
    to_addrs: list[str]
    reply_to: str
    subject: str
    text_body: str
    html_body: str
    attachments: list[str]
    invoice_ids: list[int]

    @property
    def attachment_names(self) -> list[str]:
        return [Path(path).name for path in self.attachments]


def compose_for_draft(
    session: Session,
    *,
    draft: Draft,
    settings: Settings,
    subject: str | None = None,
    body: str | None = None,
) -> Composed:
    """The draft's e-mail with ``subject``/``body`` (default: its final, else drafted, text).

    No rule changes the subject or body after this: what it returns is what is sent.
    """
    client = session.get_one(Client, draft.client_id)
    owner = session.get_one(User, draft.owner_id)
    listed = [
        inv
        for _l, inv in session.exec(
            select(DraftInvoice, Invoice)
            .join(Invoice, col(Invoice.id) == DraftInvoice.invoice_id)
            .where(DraftInvoice.draft_id == draft.id)
            .order_by(col(DraftInvoice.due_date), col(Invoice.number))
        ).all()
    ]
    links = document_lines(listed)
    text = (body or draft.final_body or draft.body).strip()
    return Composed(
        from_addr=settings.mail_from,
        to_addrs=list(client.contact_emails),
        reply_to=formataddr((owner.name, owner.email)),
        subject=(subject or draft.final_subject or draft.subject).strip(),
        text_body="\n\n".join([text, "\n".join(links)] if links else [text]) + "\n",
        html_body=html_body(text, links),
        attachments=[p for inv in listed if (p := attachment_path(inv, settings))],
        invoice_ids=[inv.id for inv in listed],
    )


@dataclass(frozen=True)
class EmailView:
    """A draft's e-mail as the draft page shows it: a preview, or the queued row and its state."""

    email: Composed
    status: str
    hold_reason: str | None = None
    send_after: datetime | None = None
    message_id: str | None = None
    last_error: str | None = None


def email_for_draft(session: Session, *, draft: Draft, settings: Settings) -> EmailView:
    """The queued message when there is one, else the preview of what approval would send."""
    row = find_for_draft(session, draft_id=draft.id)
    if row is None:
        return EmailView(
            email=compose_for_draft(session, draft=draft, settings=settings), status="preview"
        )
    email = Composed(
        from_addr=row.from_addr,
        to_addrs=list(row.to_addrs),
        reply_to=row.reply_to or "",
        subject=row.subject,
        text_body=row.text_body,
        html_body=row.html_body,
        attachments=list(row.attachments),
        invoice_ids=list(row.invoice_ids),
    )
    return EmailView(
        email=email,
        status=str(row.status),
        hold_reason=row.hold_reason,
        send_after=row.send_after,
        message_id=row.message_id,
        last_error=row.last_error,
    )


def enqueue_for_draft(
    session: Session, *, draft: Draft, settings: Settings, send_now: bool = False
) -> OutboxMessage:
    """The approved draft's e-mail as an outbox row; idempotent per draft (flushes only)."""
    existing = find_for_draft(session, draft_id=draft.id)
    if existing is not None:
        return existing
    if draft.status != DraftStatus.APPROVED:
        raise InvalidInput(f"draft {draft.id} is {draft.status!s}, not approved", field="draft")
    client = session.get_one(Client, draft.client_id)
    if not client.contact_emails:
        raise InvalidInput(f"client {client.name!r} has no contact e-mail", field="contact_emails")
    email = compose_for_draft(session, draft=draft, settings=settings)
    earlier = earlier_message_ids(session, invoice_ids=email.invoice_ids)
    row = OutboxMessage(
        dedupe_key=f"draft:{draft.id}",
        draft_id=draft.id,
        owner_id=draft.owner_id,
        message_id=message_id_for(draft, settings=settings),
        from_addr=email.from_addr,
        to_addrs=email.to_addrs,
        reply_to=email.reply_to,
        subject=email.subject,
        text_body=email.text_body,
        html_body=email.html_body,
        in_reply_to=earlier[-1] if earlier else None,
        references=earlier[-10:],
        attachments=email.attachments,
        invoice_ids=email.invoice_ids,
        send_after=_send_after(draft, client, send_now=send_now),
        data={"send_now": send_now},
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # Another transaction enqueued the same draft first: theirs is the one.
        existing = find_for_draft(session, draft_id=draft.id)
        if existing is None:
            raise
        return existing
    return row


def mark_sent(session: Session, row: OutboxMessage, *, transport: str, delivered_to: str) -> None:
    row.status = OutboxStatus.SENT
    row.sent_at = utcnow()
    row.transport = transport
    row.delivered_to = delivered_to
    row.lease_until = None
    row.phase = None
    row.last_error = None
    session.add(row)
    for invoice_id in row.invoice_ids:
        invoice = session.get_one(Invoice, invoice_id)
        history.record(
            session,
            invoice=invoice,
            kind=EventKind.REMINDER_SENT,
            actor=OUTBOX_ACTOR,
            data={
                "draft_id": row.draft_id,
                "message_id": row.message_id,
                "to": row.to_addrs,
                "transport": transport,
            },
            bump_version=False,
        )
    if row.draft_id is not None:
        draft = session.get(Draft, row.draft_id)
        if draft is not None and draft.status == DraftStatus.APPROVED:
            draft.status = DraftStatus.SENT
            session.add(draft)
        webhooks.emit(
            session,
            event=webhooks.REMINDER_SENT,
            data={
                "draft_id": row.draft_id,
                "message_id": row.message_id,
                "invoice_ids": list(row.invoice_ids),
                "transport": transport,
            },
            owner_id=row.owner_id,
            event_id=f"reminder.sent:{row.id}",
        )
    session.flush()


def get(session: Session, *, message_id: int) -> OutboxMessage:
    row = session.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound(f"no outbox message with id {message_id}", field="message")
    return row


def list_messages(
    session: Session,
    *,
    owner_id: int | None = None,
    statuses: list[OutboxStatus] | None = None,
    limit: int = 200,
) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(col(OutboxMessage.created_at).desc())
    if owner_id is not None:
        query = query.where(OutboxMessage.owner_id == owner_id)
    if statuses:
        query = query.where(col(OutboxMessage.status).in_(statuses))
    return list(session.exec(query.limit(limit)))


def _require_owner(row: OutboxMessage, viewer: User) -> None:
    if viewer.role != UserRole.ADMIN and row.owner_id != viewer.id:
        raise Forbidden(f"outbox message {row.id} belongs to another owner", field="message")


def confirm_delivered(session: Session, *, message_id: int, viewer: User) -> OutboxMessage:
    """A person checked the mailbox: the unconfirmed message did arrive."""
    row = get(session, message_id=message_id)
    _require_owner(row, viewer)
    actor = Actor.person(user_id=viewer.id, email=viewer.email)
    if row.status != OutboxStatus.UNCONFIRMED:
        raise InvalidInput(f"message {message_id} is {row.status!s}", field="message")
    mark_sent(
        session, row, transport=row.transport or "smtp", delivered_to=f"confirmed by {actor.label}"
    )
    return row


def resend(session: Session, *, message_id: int, viewer: User) -> OutboxMessage:
    """Queue an unconfirmed or failed message again, with the same Message-ID."""
    row = get(session, message_id=message_id)
    _require_owner(row, viewer)
    actor = Actor.person(user_id=viewer.id, email=viewer.email)
    if row.status not in (OutboxStatus.UNCONFIRMED, OutboxStatus.FAILED):
        raise InvalidInput(f"message {message_id} is {row.status!s}", field="message")
    row.status = OutboxStatus.PENDING
    row.send_after = utcnow()
    row.data = {**(row.data or {}), "resent_by": actor.label}
    session.add(row)
    session.flush()
    return row


def enqueue_owner_notifications(session: Session, *, settings: Settings, limit: int = 500) -> int:
    """Owner notifications not yet e-mailed become outbox rows to their owners (flushes only).

    Each note is taken with a conditional UPDATE first, so concurrent senders never enqueue the
    same note twice (the second waits for the first, then finds it taken). Returns the count.
    """
    pending = session.exec(
        select(Notification)
        .where(col(Notification.emailed_at).is_(None))
        .order_by(col(Notification.id))
        .limit(limit)
    ).all()
    taken = 0
    for note in pending:
        claimed = session.exec(
            update(Notification)
            .where(col(Notification.id) == note.id)
            .where(col(Notification.emailed_at).is_(None))
            .values(emailed_at=utcnow())
        )
        if claimed.rowcount != 1:
            continue
        taken += 1
        owner = session.get_one(User, note.owner_id)
        link = (
            f"{settings.base_url.rstrip('/')}/invoices/{note.invoice_id}" if note.invoice_id else ""
        )
        text = f"{note.message}\n\n{link}\n" if link else f"{note.message}\n"
        digest = hashlib.sha256(f"notification:{note.id}:{note.dedupe_key}".encode()).hexdigest()
        session.add(
            OutboxMessage(
                dedupe_key=f"notification:{note.id}",
                owner_id=note.owner_id,
                message_id=f"<notification-{note.id}.{digest[:16]}@{mail_domain(settings)}>",
                from_addr=settings.mail_from,
                to_addrs=[owner.email],
                subject=f"paytrack: {note.message[:120]}",
                text_body=text,
                html_body=html_body(note.message, [f"Open: {link}"] if link else []),
                data={"notification_id": note.id},
            )
        )
    session.flush()
    return taken
