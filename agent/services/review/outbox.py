"""The transactional e-mail outbox: approval enqueues, a sender delivers each message once.

Enqueueing happens in the approver's transaction; the row's ``dedupe_key`` (``draft:{id}``) is
unique, so a second enqueue (a resumed thread, a double submit) finds the row and adds nothing.
The Message-ID is fixed at enqueue time (``<draft-{id}.{hash}@{domain}>``), so every attempt
sends the same message and receivers can tell a repeat.

One delivery attempt, step by step:

1. **claim** — a conditional ``UPDATE … WHERE status = 'pending'`` (on PostgreSQL after a
   ``FOR UPDATE SKIP LOCKED`` pick) sets ``sending``, phase ``claimed``, ``attempts + 1`` and a
   lease, and COMMITS before any connection is made. Two senders never hold the same row.
2. **commit point** — the message text goes to the server, then phase ``committing`` is
   committed, and only then the final ``.`` that makes an SMTP server accept the message (for the
   ``.eml`` transport: the atomic rename of the written file).
3. **record** — ``sent``, the Message-ID in every listed invoice's history, the draft ``sent``.

A sender that dies leaves ``sending`` with a lease; once the lease has passed, the next sender:
- phase ``claimed`` (died before the commit point): the server cannot have accepted the message,
  so it is sent again — same Message-ID — and is still delivered exactly once;
- phase ``committing`` (died between the commit point and the record): the message may have been
  delivered. The ``.eml`` transport checks the file and records it. SMTP cannot be asked, so the
  row becomes ``unconfirmed`` and is NOT sent again: a person checks and either confirms it or
  re-sends it (``outbox_resend_unconfirmed`` re-sends automatically). A re-send carries the same
  Message-ID, so mail clients that de-duplicate on it show one message: at-least-once at the
  SMTP level in that one narrow window, exactly-once everywhere else.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
import smtplib
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.db import session_scope
from agent.errors import Forbidden, InvalidInput, NotFound, PaytrackError
from agent.models import Client, EventKind, Invoice, InvoiceEvent, User, UserRole
from agent.models.base import utcnow
from agent.models.draft import Draft, DraftInvoice, DraftStatus
from agent.models.notification import Notification
from agent.models.outbox import OutboxMessage, OutboxStatus, SendPhase
from agent.services.ledger import history
from agent.services.review.send_window import next_business_slot
from agent.services.webhooks import webhooks
from agent.settings import Settings

log = logging.getLogger(__name__)
OUTBOX_ACTOR = Actor.system("outbox")
MAX_BACKOFF_SECONDS = 3_600


def mail_domain(settings: Settings) -> str:
    if settings.mail_domain:
        return settings.mail_domain
    address = parseaddr(settings.mail_from)[1]
    return address.rpartition("@")[2] or "paytrack.invalid"


def message_id_for(draft: Draft, *, settings: Settings) -> str:
    """Deterministic per draft, so a retry after a crash sends the very same Message-ID."""
    digest = hashlib.sha256(f"{draft.id}:{draft.thread_id}".encode()).hexdigest()[:16]
    return f"<draft-{draft.id}.{digest}@{mail_domain(settings)}>"


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


def _subject(subject: str, numbers: list[str]) -> str:
    missing = [n for n in numbers if n not in subject]
    return f"{subject} ({', '.join(missing)})" if missing else subject


def _document_lines(listed: list[Invoice]) -> list[str]:
    return [f"Invoice {inv.number}: {inv.document_url}" for inv in listed if inv.document_url]


def _html_body(text: str, links: list[str]) -> str:
    paragraphs = "".join(
        f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>"
        for part in re.split(r"\n\s*\n", text.strip())
    )
    link_html = "".join(
        f'<p><a href="{html.escape(url, quote=True)}">{html.escape(label)}</a></p>'
        for label, url in (line.split(": ", 1) for line in links)
    )
    body = paragraphs + link_html
    return f'<!doctype html><html><body style="font-family:sans-serif">{body}</body></html>'


def _attachment_path(invoice: Invoice, settings: Settings) -> str | None:
    if not invoice.document_path:
        return None
    path = Path(invoice.document_path)
    if not path.is_absolute():
        path = settings.data_dir / path
    return str(path) if path.is_file() else None


def _send_after(draft: Draft, client: Client, *, send_now: bool) -> datetime:
    now = utcnow()
    if send_now:
        return now
    if draft.suggested_send_at > now:
        return draft.suggested_send_at
    return next_business_slot(not_before=now, timezone=client.timezone)


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
    if not client.contact_emails:
        raise InvalidInput(f"client {client.name!r} has no contact e-mail", field="contact_emails")
    invoice_ids = [inv.id for inv in listed]
    earlier = earlier_message_ids(session, invoice_ids=invoice_ids)
    links = _document_lines(listed)
    text = (draft.final_body or draft.body).strip()
    if links:
        text = text + "\n\n" + "\n".join(links)
    row = OutboxMessage(
        dedupe_key=f"draft:{draft.id}",
        draft_id=draft.id,
        owner_id=draft.owner_id,
        message_id=message_id_for(draft, settings=settings),
        from_addr=settings.mail_from,
        to_addrs=list(client.contact_emails),
        reply_to=formataddr((owner.name, owner.email)),
        subject=_subject(draft.final_subject or draft.subject, [inv.number for inv in listed]),
        text_body=text + "\n",
        html_body=_html_body(draft.final_body or draft.body, links),
        in_reply_to=earlier[-1] if earlier else None,
        references=earlier[-10:],
        attachments=[p for inv in listed if (p := _attachment_path(inv, settings))],
        invoice_ids=invoice_ids,
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


def build_message(row: OutboxMessage) -> EmailMessage:
    """The MIME message of a row: text and HTML parts, attachments, threading headers."""
    message = EmailMessage(policy=SMTP_POLICY)
    message["Message-ID"] = row.message_id
    message["Date"] = format_datetime(utcnow())
    message["From"] = row.from_addr
    message["To"] = ", ".join(row.to_addrs)
    if row.reply_to:
        message["Reply-To"] = row.reply_to
    message["Subject"] = row.subject
    if row.in_reply_to:
        message["In-Reply-To"] = row.in_reply_to
    if row.references:
        message["References"] = " ".join(row.references)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.text_body)
    message.add_alternative(row.html_body, subtype="html")
    for path in row.attachments:
        file = Path(path)
        if file.is_file():
            subtype = "pdf" if file.suffix.lower() == ".pdf" else "octet-stream"
            message.add_attachment(
                file.read_bytes(), maintype="application", subtype=subtype, filename=file.name
            )
    return message


class Transport(Protocol):
    """Delivers one message. ``on_commit`` runs just before the point of no return."""

    name: str

    def deliver(
        self, message: EmailMessage, *, recipients: list[str], on_commit: Callable[[], None]
    ) -> str: ...

    def confirms(self, row: OutboxMessage) -> bool:
        """Whether an interrupted delivery is known to have completed."""
        ...


@dataclass
class SmtpTransport:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    mode: str = "plain"  # plain, starttls or ssl
    timeout: float = 30.0
    name: str = "smtp"

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 30.0) -> SmtpTransport:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise InvalidInput(f"unsupported mail URL scheme {parts.scheme!r}", field="smtp_url")
        query = parse_qs(parts.query)
        starttls = query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes")
        mode = "ssl" if parts.scheme == "smtps" else ("starttls" if starttls else "plain")
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (465 if mode == "ssl" else 587 if starttls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            mode=mode,
            timeout=timeout,
        )

    def deliver(
        self, message: EmailMessage, *, recipients: list[str], on_commit: Callable[[], None]
    ) -> str:
        context = ssl.create_default_context()
        if self.mode == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.mode == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
            return self._transaction(smtp, message, recipients, on_commit)
        finally:
            smtp.close()

    @staticmethod
    def _transaction(
        smtp: smtplib.SMTP,
        message: EmailMessage,
        recipients: list[str],
        on_commit: Callable[[], None],
    ) -> str:
        sender = parseaddr(str(message["From"]))[1]
        code, reply = smtp.mail(sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        refused: dict[str, tuple[int, bytes]] = {}
        for recipient in recipients:
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = (code, reply)
        if len(refused) == len(recipients):
            raise smtplib.SMTPRecipientsRefused(refused)
        smtp.putcmd("data")
        code, reply = smtp.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        payload = re.sub(rb"(?m)^\.", b"..", message.as_bytes(policy=SMTP_POLICY))
        if not payload.endswith(b"\r\n"):
            payload += b"\r\n"
        smtp.send(payload)
        # Until the final dot the server must discard the message; record that we pass it.
        on_commit()
        smtp.send(b".\r\n")
        code, reply = smtp.getreply()
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)
        smtp.quit()
        return ", ".join(r for r in recipients if r not in refused)

    def confirms(self, row: OutboxMessage) -> bool:
        return False


@dataclass
class FileTransport:
    """No SMTP configured: each message becomes an ``.eml`` file; nothing leaves the machine."""

    folder: Path
    name: str = "file"

    def path_for(self, message_id: str) -> Path:
        return self.folder / (re.sub(r"[^A-Za-z0-9._@-]", "", message_id) + ".eml")

    def deliver(
        self, message: EmailMessage, *, recipients: list[str], on_commit: Callable[[], None]
    ) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path_for(str(message["Message-ID"]))
        temporary = target.with_suffix(".eml.part")
        with open(temporary, "wb") as handle:
            handle.write(message.as_bytes(policy=SMTP_POLICY))
            handle.flush()
            os.fsync(handle.fileno())
        on_commit()
        os.replace(temporary, target)
        return str(target)

    def confirms(self, row: OutboxMessage) -> bool:
        return self.path_for(row.message_id).exists()


def transport_from_settings(settings: Settings) -> Transport:
    if settings.smtp_url:
        return SmtpTransport.from_url(settings.smtp_url, timeout=settings.smtp_timeout_seconds)
    return FileTransport(folder=settings.data_dir / "outbox")


def leaves_machine(settings: Settings) -> bool:
    return bool(settings.smtp_url)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0
    unconfirmed: int = 0
    errors: list[str] = field(default_factory=list)


def _backoff(attempts: int, settings: Settings) -> timedelta:
    seconds = settings.outbox_backoff_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, MAX_BACKOFF_SECONDS))


def recover_expired(
    engine: Engine, *, settings: Settings, transport: Transport, now: datetime
) -> DeliveryReport:
    """Settle rows whose sender's lease ran out (see the module docstring)."""
    report = DeliveryReport()
    with session_scope(engine) as session:
        expired = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.SENDING)
            .where(col(OutboxMessage.lease_until) < now)
            .with_for_update(skip_locked=True)
        ).all()
        for row in expired:
            if row.phase == SendPhase.COMMITTING and transport.confirms(row):
                _mark_sent(session, row, transport=transport.name, delivered_to="(recovered)")
                report.sent += 1
            elif row.phase == SendPhase.COMMITTING and not settings.outbox_resend_unconfirmed:
                row.status = OutboxStatus.UNCONFIRMED
                row.last_error = (
                    "the sender stopped after handing the message to the server and before "
                    "recording the result; check the mailbox, then confirm or re-send"
                )
                report.unconfirmed += 1
            else:
                row.status = OutboxStatus.PENDING
                row.send_after = now
                report.recovered += 1
            row.lease_until = None
            row.phase = None
            session.add(row)
    return report


def _claim_next(engine: Engine, *, settings: Settings, now: datetime) -> int | None:
    with session_scope(engine) as session:
        candidate = session.exec(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .where(col(OutboxMessage.send_after) <= now)
            .order_by(col(OutboxMessage.send_after), col(OutboxMessage.id))
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if candidate is None:
            return None
        claimed = session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == candidate)
            .where(col(OutboxMessage.status) == OutboxStatus.PENDING)
            .values(
                status=OutboxStatus.SENDING,
                phase=SendPhase.CLAIMED,
                attempts=OutboxMessage.attempts + 1,
                last_attempt_at=now,
                lease_until=now + timedelta(seconds=settings.outbox_lease_seconds),
            )
        )
        return candidate if claimed.rowcount == 1 else -1


def _mark_committing(engine: Engine, row_id: int) -> None:
    with session_scope(engine) as session:
        session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == row_id)
            .values(phase=SendPhase.COMMITTING)
        )


def _mark_sent(session: Session, row: OutboxMessage, *, transport: str, delivered_to: str) -> None:
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


def _permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return isinstance(exc, PaytrackError)


def _record_failure(engine: Engine, row_id: int, exc: Exception, *, settings: Settings) -> bool:
    """Back to pending with backoff, or failed; True when it will be retried."""
    with session_scope(engine) as session:
        row = session.get_one(OutboxMessage, row_id)
        retry = not _permanent(exc) and row.attempts < settings.outbox_max_attempts
        row.status = OutboxStatus.PENDING if retry else OutboxStatus.FAILED
        row.phase = None
        row.lease_until = None
        row.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
        if retry:
            row.send_after = utcnow() + _backoff(row.attempts, settings)
        session.add(row)
        return retry


def deliver_one(engine: Engine, row_id: int, *, settings: Settings, transport: Transport) -> bool:
    """Deliver a row already claimed by this sender; True when it was sent."""
    with session_scope(engine) as session:
        row = session.get_one(OutboxMessage, row_id)
        message = build_message(row)
        recipients = list(row.to_addrs)
    try:
        delivered_to = transport.deliver(
            message, recipients=recipients, on_commit=lambda: _mark_committing(engine, row_id)
        )
    except (OSError, smtplib.SMTPException, PaytrackError) as exc:
        log.warning("outbox message %s not delivered: %s", row_id, exc)
        _record_failure(engine, row_id, exc, settings=settings)
        return False
    with session_scope(engine) as session:
        row = session.get_one(OutboxMessage, row_id)
        _mark_sent(session, row, transport=transport.name, delivered_to=delivered_to)
    return True


def deliver_due(
    engine: Engine,
    *,
    settings: Settings,
    transport: Transport | None = None,
    now: datetime | None = None,
    limit: int = 100,
) -> DeliveryReport:
    """One pass of the sender: settle expired leases, then deliver every due row."""
    transport = transport or transport_from_settings(settings)
    moment = now or datetime.now(UTC)
    report = recover_expired(engine, settings=settings, transport=transport, now=moment)
    for _ in range(limit):
        row_id = _claim_next(engine, settings=settings, now=moment)
        if row_id is None:
            break
        if row_id == -1:
            continue
        if deliver_one(engine, row_id, settings=settings, transport=transport):
            report.sent += 1
        else:
            with session_scope(engine) as session:
                status = session.get_one(OutboxMessage, row_id).status
            if status == OutboxStatus.FAILED:
                report.failed += 1
            else:
                report.retried += 1
    return report


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
    _mark_sent(
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
    """Owner notifications not yet e-mailed become outbox rows to their owners (flushes only)."""
    pending = session.exec(
        select(Notification)
        .where(col(Notification.emailed_at).is_(None))
        .order_by(col(Notification.id))
        .limit(limit)
    ).all()
    for note in pending:
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
                html_body=_html_body(note.message, [f"Open: {link}"] if link else []),
                data={"notification_id": note.id},
            )
        )
        note.emailed_at = utcnow()
        session.add(note)
    session.flush()
    return len(pending)


def send_pass(engine: Engine, *, settings: Settings) -> DeliveryReport:
    """One sender pass: owner notifications into the outbox (when enabled), then delivery."""
    if settings.notify_owners_by_email:
        with session_scope(engine) as session:
            enqueue_owner_notifications(session, settings=settings)
    return deliver_due(engine, settings=settings)


class SenderLoop:
    """The sender as a background thread (``paytrack serve``, ``paytrack outbox send --loop``)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                send_pass(self._engine, settings=self._settings)
            except Exception:  # a database hiccup must not end the sender
                log.exception("outbox pass failed; retrying after the poll interval")
            self._stop.wait(self._settings.outbox_poll_seconds)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="outbox-sender", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._settings.smtp_timeout_seconds + 5)
