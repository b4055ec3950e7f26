"""Replies benchmark: messages ingested per second (parse, match, read, store) on a demo ledger.

    python -m bench.replies --invoices 20000 --replies 2000 [--json]

Each reply comes from a client's contact address and names one of its invoice numbers (the
number-matching path, the one that queries). The anchor does the same parsing and reading with
no database at all; the stored intents are checked equal to the anchor's, so the difference is
what matching and storing cost.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.db import make_engine, session_scope
from agent.demo.ledger import generate_ledger
from agent.models import Client, Invoice
from agent.models.reply import Reply
from agent.schema import upgrade
from agent.services.replies import parsing, replies
from agent.services.replies.offline import OfflineReader
from agent.settings import Settings

TEXTS = [
    "We will pay {number} on 15 December.",
    "Vi har redan betalat {number}, referens 4471.",
    "De uren op factuur {number} zijn niet afgesproken.",
    "Моля, изпратете копие на фактура {number}.",
    "Is VAT included in {number}?",
]


def _messages(session: Session, count: int, seed: int) -> list[bytes]:
    rows = session.exec(
        select(Invoice.number, Client.contact_emails).join(
            Client, col(Client.id) == Invoice.client_id
        )
    ).all()
    rows = [(number, emails) for number, emails in rows if emails]
    pick = random.Random(seed)
    out = []
    for n in range(count):
        number, emails = pick.choice(rows)
        message = EmailMessage()
        message["From"] = emails[0]
        message["To"] = "accounts@example.com"
        message["Subject"] = f"Re: Invoice {number}"
        message["Date"] = format_datetime(datetime(2026, 11, 20, 10, tzinfo=UTC))
        message["Message-ID"] = f"<bench-{n}@client.example>"
        message.set_content(pick.choice(TEXTS).format(number=number))
        out.append(bytes(message))
    return out


def run(invoices: int, count: int, seed: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        generate_ledger(engine, invoices=invoices, seed=seed, end_date=date(2026, 11, 20))
        settings = Settings(database_url=url, data_dir=Path(folder), openai_api_key="")
        reader = OfflineReader()
        # The offline model trains on its first read; that happens once a process, not a reply.
        reader.read(text="Thanks.", subject="Re: Invoice", written_on=date(2026, 11, 20))
        with Session(engine) as session:
            raw = _messages(session, count, seed)
        now = datetime.now(UTC)
        started = time.perf_counter()
        anchor = []
        for message in raw:
            parsed = parsing.parse(message, received_at=now)
            anchor.append(
                reader.read(
                    text=parsed.text, subject=parsed.subject, written_on=parsed.sent_at.date()
                ).intent
            )
        anchor_s = time.perf_counter() - started
        started = time.perf_counter()
        for message in raw:
            with session_scope(engine) as session:
                replies.ingest(
                    session,
                    raw=message,
                    source="file",
                    reader=reader,
                    settings=settings,
                    actor=Actor.system("bench"),
                )
        ingest_s = time.perf_counter() - started
        with Session(engine) as session:
            stored = session.exec(select(Reply).order_by(col(Reply.id))).all()
            matched = sum(1 for r in stored if r.client_id is not None)
        engine.dispose()
    assert [r.intent for r in stored] == anchor, "stored intents differ from the anchor's"
    return {
        "invoices": invoices,
        "replies": count,
        "matched": matched,
        "ingest_per_s": count / ingest_s,
        "anchor_parse_and_read_per_s": count / anchor_s,
        "ingest_ms_per_reply": 1000 * ingest_s / count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--replies", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    row = run(args.invoices, args.replies, args.seed)
    if args.json:
        print(json.dumps(row))
        return
    for key, value in row.items():
        print(f"{key:>28}: {value:,.1f}" if isinstance(value, float) else f"{key:>28}: {value}")


if __name__ == "__main__":
    main()
