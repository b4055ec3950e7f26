"""Building client replies as raw RFC 5322 bytes, and a reminder really sent to answer."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.models.outbox import OutboxMessage
from agent.services.review import outbox
from agent.settings import Settings
from tests.review.helpers import DAY, seed_invoices, seed_owner, sweep
from tests.review.test_outbox import approve_all

WRITTEN = datetime.fromisoformat("2026-03-06T10:15:00+01:00")  # a Friday, after DAY


def reply_bytes(
    *,
    text: str | None = None,
    html: str | None = None,
    sender: str = "Piet <ap@vandijk.example>",
    subject: str = "Re: Invoice 2026-001",
    in_reply_to: str | None = None,
    message_id: str | None = None,
    written: datetime = WRITTEN,
    charset: str = "utf-8",
    headers: dict[str, str] | None = None,
) -> bytes:
    """One reply as a mail program would send it (text, HTML or both)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "Accounts <accounts@example.com>"
    message["Subject"] = subject
    message["Date"] = format_datetime(written)
    message["Message-ID"] = message_id or make_msgid(domain="vandijk.example")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    if text is not None:
        message.set_content(text, charset=charset)
        if html is not None:
            message.add_alternative(html, subtype="html", charset=charset)
    else:
        message.set_content(html or "", subtype="html", charset=charset)
    return bytes(message)


def sent_reminder(engine: Engine, settings: Settings) -> tuple[int, int, OutboxMessage, Path]:
    """Ann's invoice 2026-001 to Van Dijk, reminded, approved and sent as an .eml file.

    Returns (owner id, invoice id, the outbox row, the .eml file).
    """
    ann = seed_owner(engine, email="ann@example.com")
    invoice_id = seed_invoices(engine, owner_id=ann)
    sweep(engine, settings)
    approve_all(engine, settings, ann)
    report = outbox.send_pass(engine, settings=settings)
    assert report.sent == 1
    with Session(engine, expire_on_commit=False) as session:
        row = session.exec(select(OutboxMessage)).one()
    eml = Path(str(row.delivered_to))
    assert eml.is_file()
    return ann, invoice_id, row, eml


__all__ = ["DAY", "WRITTEN", "reply_bytes", "sent_reminder"]
