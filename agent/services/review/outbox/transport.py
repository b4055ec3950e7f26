"""Transports: SMTP with a recorded commit point before the final ".", or ``.eml`` files."""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from agent.errors import InvalidInput
from agent.models.outbox import OutboxMessage
from agent.settings import Settings


class DeliveryUnconfirmed(Exception):
    """The connection failed after the final "." — the server may have accepted the message."""


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
        # When on_commit raises (the send-time check failed), closing without the dot aborts.
        on_commit()
        try:
            smtp.send(b".\r\n")
            code, reply = smtp.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            raise DeliveryUnconfirmed(
                "no answer from the server after the message was handed over "
                f"({exc.__class__.__name__}: {exc}); it may have been delivered — check the "
                "mailbox, then confirm or re-send"
            ) from exc
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)
        with contextlib.suppress(OSError, smtplib.SMTPException):
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
        try:
            on_commit()
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
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
