"""Polling a real IMAP mailbox (a private dovecot): each reply stored once, moved aside."""

from __future__ import annotations

import imaplib
import time

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.models.reply import Intent, MatchMethod, Reply
from agent.services.replies import worker
from agent.settings import Settings
from tests.services.replies.imap_server import ImapServer, dovecot
from tests.services.replies.mail import reply_bytes, sent_reminder


def deliver(server: ImapServer, *messages: bytes) -> None:
    client = imaplib.IMAP4("127.0.0.1", server.port)
    client.login(server.user, server.password)
    for raw in messages:
        client.append("INBOX", None, None, raw)
    client.logout()


def folder_sizes(server: ImapServer, *folders: str) -> list[int]:
    client = imaplib.IMAP4("127.0.0.1", server.port)
    client.login(server.user, server.password)
    sizes = []
    for folder in folders:
        status, data = client.select(f'"{folder}"', readonly=True)
        if status != "OK":
            sizes.append(-1)
            continue
        assert data[0] is not None
        sizes.append(int(data[0]))
    client.logout()
    return sizes


def test_the_mailbox_is_read_once_and_processed_mail_moves_aside(
    engine: Engine, settings: Settings
) -> None:
    _ann, _invoice_id, sent, _eml = sent_reminder(engine, settings)
    with dovecot() as server:
        imap_settings = settings.model_copy(update={"imap_url": server.url()})
        reply = reply_bytes(text="Vi betalar den 20 mars.", in_reply_to=sent.message_id)
        deliver(server, reply, b"Subject: no sender\r\n\r\njunk\r\n")
        first = worker.poll_once(engine, settings=imap_settings)
        assert (first.fetched, first.stored, first.rejected, first.failed) == (2, 1, 1, [])
        assert folder_sizes(server, "INBOX", "paytrack-processed") == [0, 2]
        deliver(server, reply)  # the same message again, e.g. a second copy in the inbox
        second = worker.poll_once(engine, settings=imap_settings)
        assert (second.fetched, second.stored, second.already_stored) == (1, 0, 1)
    with Session(engine) as session:
        [stored] = session.exec(select(Reply)).all()
    assert stored.source == "imap"
    assert stored.match_method == MatchMethod.THREAD
    assert stored.intent == Intent.PROMISE_TO_PAY
    assert stored.details["date"] == "2026-03-20"


def test_the_poller_under_serve_picks_up_new_mail(engine: Engine, settings: Settings) -> None:
    with dovecot() as server:
        imap_settings = settings.model_copy(
            update={"imap_url": server.url(), "imap_poll_seconds": 0.2}
        )
        poller = worker.ImapPoller(engine, imap_settings)
        poller.start()
        try:
            deliver(server, reply_bytes(text="Thanks, noted.", sender="x@else.example"))
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                with Session(engine) as session:
                    if session.exec(select(Reply)).first() is not None:
                        break
                time.sleep(0.2)
        finally:
            poller.stop()
    with Session(engine) as session:
        assert [r.source for r in session.exec(select(Reply))] == ["imap"]


def test_the_password_never_reaches_the_logs() -> None:
    assert worker.redacted("imaps://ann:top%20secret@mail.example/INBOX") == (
        "imaps://ann:***@mail.example/INBOX"
    )
