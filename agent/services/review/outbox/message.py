"""MIME building: the message text, HTML alternative, attachments and threading headers."""

from __future__ import annotations

import hashlib
import html
import re
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, parseaddr
from pathlib import Path

from agent.models import Invoice
from agent.models.base import utcnow
from agent.models.draft import Draft
from agent.models.outbox import OutboxMessage
from agent.settings import Settings


def mail_domain(settings: Settings) -> str:
    if settings.mail_domain:
        return settings.mail_domain
    address = parseaddr(settings.mail_from)[1]
    return address.rpartition("@")[2] or "paytrack.invalid"


def message_id_for(draft: Draft, *, settings: Settings) -> str:
    """Deterministic per draft, so a retry after a crash sends the very same Message-ID."""
    digest = hashlib.sha256(f"{draft.id}:{draft.thread_id}".encode()).hexdigest()[:16]
    return f"<draft-{draft.id}.{digest}@{mail_domain(settings)}>"


def document_lines(listed: list[Invoice]) -> list[str]:
    return [f"Invoice {inv.number}: {inv.document_url}" for inv in listed if inv.document_url]


def html_body(text: str, links: list[str]) -> str:
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


def attachment_path(invoice: Invoice, settings: Settings) -> str | None:
    if not invoice.document_path:
        return None
    path = Path(invoice.document_path)
    if not path.is_absolute():
        path = settings.data_dir / path
    return str(path) if path.is_file() else None


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
