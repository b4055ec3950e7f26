"""A sender process that dies at a chosen point, for the outbox crash-safety test.

    python -m tests.review.crashing_sender DATABASE_URL SMTP_URL DATA_DIR (after-send|before-send)

It runs the real sender with the real SMTP transport, then SIGKILLs itself either right after
the server accepted the message (before anything is recorded) or right after the claim.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from agent.db import make_engine
from agent.models.outbox import OutboxMessage
from agent.services.review import outbox
from agent.settings import Settings


class DyingTransport:
    name = "smtp"

    def __init__(self, inner: outbox.SmtpTransport, when: str) -> None:
        self.inner, self.when = inner, when

    def deliver(
        self, message: EmailMessage, *, recipients: list[str], on_commit: Callable[[], None]
    ) -> str:
        if self.when == "before-send":
            os.kill(os.getpid(), signal.SIGKILL)
        self.inner.deliver(message, recipients=recipients, on_commit=on_commit)
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")

    def confirms(self, row: OutboxMessage) -> bool:
        return False


def main() -> None:
    database_url, smtp_url, data_dir, when = sys.argv[1:5]
    settings = Settings(database_url=database_url, smtp_url=smtp_url, data_dir=Path(data_dir))
    engine = make_engine(database_url)
    transport = DyingTransport(outbox.SmtpTransport.from_url(smtp_url), when)
    outbox.deliver_due(engine, settings=settings, transport=transport)


if __name__ == "__main__":
    main()
