"""The IMAP poller: read new messages from ``PAYTRACK_IMAP_URL``, ingest each, move it aside.

Each message is ingested in its own transaction and only then moved to the processed folder,
so a crash in between leaves the message in the inbox; the next poll reads it again and the
stored-once rule (Message-ID, else content hash) makes that harmless. A message paytrack cannot
read is moved aside too (and counted), so it never blocks the inbox. ``paytrack serve`` runs
``ImapPoller`` every ``imap_poll_seconds`` when ``imap_url`` is set.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy.engine import Engine

from agent.actor import Actor
from agent.background import Repeating
from agent.db import session_scope
from agent.errors import InvalidInput, ReplyRejected
from agent.services.replies import replies
from agent.services.replies.reading import ReplyReader, build_reader
from agent.settings import Settings

log = logging.getLogger(__name__)
IMAP_ACTOR = Actor.system("imap")
BATCH = 200


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str
    folder: str
    tls: bool
    starttls: bool

    @classmethod
    def from_url(cls, url: str) -> Mailbox:
        """``imaps://user:pass@host[:port]/FOLDER`` or ``imap://…[?starttls=1]``."""
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname:
            raise InvalidInput("imap_url must be imap://… or imaps://…", field="imap_url")
        tls = parts.scheme == "imaps"
        return cls(
            host=parts.hostname,
            port=parts.port or (993 if tls else 143),
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            folder=unquote(parts.path.lstrip("/")) or "INBOX",
            tls=tls,
            starttls=parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true", "yes"),
        )


@dataclass
class PollReport:
    fetched: int = 0
    stored: int = 0
    already_stored: int = 0
    rejected: int = 0
    failed: list[str] = field(default_factory=list)


def _connect(mailbox: Mailbox, timeout: float) -> imaplib.IMAP4:
    if mailbox.tls:
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL(mailbox.host, mailbox.port, timeout=timeout)
    else:
        client = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
        if mailbox.starttls:
            client.starttls()
    client.login(mailbox.user, mailbox.password)
    return client


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def poll_once(
    engine: Engine, *, settings: Settings, reader: ReplyReader | None = None
) -> PollReport:
    """Ingest every message waiting in the mailbox folder; returns what happened."""
    mailbox = Mailbox.from_url(settings.imap_url)
    reader = reader or build_reader(settings)
    report = PollReport()
    client = _connect(mailbox, settings.smtp_timeout_seconds)
    try:
        client.create(_quoted(settings.imap_processed_folder))  # "already exists" is fine
        status, _ = client.select(_quoted(mailbox.folder))
        if status != "OK":
            raise InvalidInput(f"cannot open IMAP folder {mailbox.folder!r}", field="imap_url")
        status, data = client.uid("SEARCH", None, "ALL")  # type: ignore[arg-type]
        uids = data[0].split()[:BATCH] if status == "OK" and data and data[0] else []
        for uid in uids:
            _one(
                client, uid.decode(), engine=engine, settings=settings, reader=reader, report=report
            )
        client.expunge()
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
    return report


def _one(
    client: imaplib.IMAP4,
    uid: str,
    *,
    engine: Engine,
    settings: Settings,
    reader: ReplyReader,
    report: PollReport,
) -> None:
    status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    raw = next((part[1] for part in data or [] if isinstance(part, tuple)), None)
    if status != "OK" or not isinstance(raw, bytes):
        report.failed.append(f"{uid}: fetch failed")
        return
    report.fetched += 1
    try:
        with session_scope(engine) as session:
            outcome = replies.ingest(
                session,
                raw=raw,
                source="imap",
                reader=reader,
                settings=settings,
                actor=IMAP_ACTOR,
            )
            created = outcome.created
    except ReplyRejected as exc:
        log.warning("IMAP message %s refused: %s", uid, exc.message)
        report.rejected += 1
    except Exception as exc:  # the database may be down: leave the message for the next poll
        log.exception("IMAP message %s could not be stored", uid)
        report.failed.append(f"{uid}: {type(exc).__name__}")
        return
    else:
        report.stored += created
        report.already_stored += not created
    _move(client, uid, settings.imap_processed_folder)


def _move(client: imaplib.IMAP4, uid: str, folder: str) -> None:
    """MOVE where the server has it; else copy, flag deleted (expunged at the end)."""
    capabilities = {c.upper() for c in client.capabilities}
    if "MOVE" in capabilities:
        client.uid("MOVE", uid, _quoted(folder))
        return
    client.uid("COPY", uid, _quoted(folder))
    client.uid("STORE", uid, "+FLAGS", r"(\Deleted)")


def redacted(url: str) -> str:
    """The IMAP URL without its password, for logs."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def poll_and_log(engine: Engine, *, settings: Settings) -> None:
    report = poll_once(engine, settings=settings)
    if report.fetched:
        log.info("IMAP: %s", report)


class ImapPoller(Repeating):
    """A daemon thread polling the mailbox every ``imap_poll_seconds``; stoppable."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__(
            "paytrack-imap",
            partial(poll_and_log, engine, settings=settings),
            what=f"IMAP poll of {redacted(settings.imap_url)}",
            interval=settings.imap_poll_seconds,
            join_seconds=5.0,
        )
