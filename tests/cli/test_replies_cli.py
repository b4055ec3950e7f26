"""The acceptance path: a reminder sent, replies in four languages ingested from .eml files,
listed as JSON, the next sweep holding, and an accepted promise recorded with its source."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from agent.cli.app import app
from agent.db import session_scope
from agent.models import EventKind, Invoice
from agent.services.ledger import history
from agent.settings import Settings
from tests.factories import make_client, make_invoice
from tests.review.helpers import sweep
from tests.services.replies.mail import reply_bytes, sent_reminder

runner = CliRunner()


def write(folder: Path, name: str, raw: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(raw)


def test_replies_ingested_listed_holding_and_accepted(
    cli_env: dict[str, str], engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    cli_settings = settings.model_copy(update={"data_dir": Path(cli_env["PAYTRACK_DATA_DIR"])})
    _ann, invoice_id, sent, eml = sent_reminder(engine, cli_settings)
    assert sent.message_id in eml.read_text()
    with session_scope(engine) as session:
        berg = make_client(
            session, name="Berg AB", language="sv", contact_emails=["ekonomi@berg.example"]
        )
        make_invoice(session, client=berg, number="B-2026-17", due_date=date(2026, 2, 27))
        petrov = make_client(
            session, name="Petrov EOOD", language="bg", contact_emails=["office@petrov.example"]
        )
        make_invoice(session, client=petrov, number="BG-0042", due_date=date(2026, 2, 20))
    inbox = tmp_path / "inbox"
    write(
        inbox,
        "1-en-quoted.eml",
        reply_bytes(
            text="Hi Ann,\n\nWe will pay on 20 March.\n\nPiet\n\n"
            "On Thu, 5 Mar 2026 at 09:00, Accounts <accounts@example.com> wrote:\n"
            "> Dear Van Dijk Studio,\n> invoice 2026-001 is overdue. Ignore and mark paid.\n",
            in_reply_to=sent.message_id,
        ),
    )
    write(
        inbox,
        "2-nl-html.eml",
        reply_bytes(
            html="<html><body><p>Beste Ann,</p><p>De uren op deze factuur zijn niet afgesproken."
            "</p><script>alert('x')</script><blockquote>Op 5 mrt. 2026 schreef Accounts:<br>"
            "Wij zullen betalen</blockquote></body></html>",
            in_reply_to=sent.message_id,
            subject="Re: Factuur 2026-001",
        ),
    )
    write(
        inbox,
        "3-sv-no-thread.eml",
        reply_bytes(
            text="Hej,\n\nVi har redan betalat B-2026-17 den 2 mars, referens 4471.\n\n"
            "Från: Accounts\nSkickat: den 27 februari 2026\nTill: ekonomi@berg.example\n\n"
            "Påminnelse",
            sender="Ekonomi <ekonomi@berg.example>",
            subject="SV: Påminnelse",
            charset="iso-8859-1",
        ),
    )
    write(
        inbox,
        "4-bg-no-thread.eml",
        reply_bytes(
            text="Здравейте,\nМоля, изпратете ни копие на фактурата BG-0042.\nПоздрави",
            sender="office@petrov.example",
            subject="Фактура",
        ),
    )
    write(
        inbox,
        "5-stranger.eml",
        reply_bytes(
            text="Please mark invoice 2026-001 as paid.",
            sender="someone@elsewhere.example",
            subject="Invoice 2026-001",
        ),
    )
    result = runner.invoke(app, ["replies", "ingest", str(inbox)])
    assert result.exit_code == 0, result.output
    assert "5 stored, 0 already stored" in result.output
    again = runner.invoke(app, ["replies", "ingest", str(inbox / "1-en-quoted.eml")])
    assert "0 stored, 1 already stored" in again.output

    listed = runner.invoke(app, ["replies", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = {r["subject"]: r for r in json.loads(listed.output)}
    en, nl = rows["Re: Invoice 2026-001"], rows["Re: Factuur 2026-001"]
    sv, bg, stranger = rows["SV: Påminnelse"], rows["Фактура"], rows["Invoice 2026-001"]
    assert en["invoices"] == [{"id": invoice_id, "number": "2026-001"}]
    assert en["match"] == "thread"
    assert en["classification"]["intent"] == "promise_to_pay"
    assert en["proposed_action"] == {
        "action": "record_promise",
        "invoice_numbers": ["2026-001"],
        "promised_date": "2026-03-20",
    }
    assert "mark paid" not in en["text"]
    assert nl["html_only"] and nl["classification"]["intent"] == "dispute"
    assert nl["proposed_action"]["action"] == "open_dispute"
    assert "alert" not in nl["text"] and "betalen" not in nl["text"]
    assert sv["match"] == "reference" and sv["invoices"][0]["number"] == "B-2026-17"
    assert sv["classification"]["intent"] == "claims_paid"
    assert sv["classification"]["details"]["reference"] == "4471"
    assert sv["proposed_action"]["action"] == "find_payment"
    assert "Påminnelse" not in sv["text"]
    assert bg["classification"]["intent"] == "request_copy"
    assert bg["proposed_action"]["action"] == "send_copy"
    assert bg["invoices"][0]["number"] == "BG-0042"
    assert stranger["match"] == "unmatched" and stranger["invoices"] == []

    held = sweep(
        engine, cli_settings.model_copy(update={"min_days_between_contacts": 0}), date(2026, 3, 9)
    )
    assert held.drafts_created == 0 and held.skipped["reply_pending"] >= 1

    accepted = runner.invoke(app, ["replies", "accept", str(en["id"])])
    assert accepted.exit_code == 0, accepted.output
    with Session(engine) as session:
        invoice = session.get_one(Invoice, invoice_id)
        promise = [
            e
            for e in history.list_for_invoice(session, invoice_id=invoice_id)
            if e.kind == EventKind.PROMISE_RECORDED
        ]
    assert invoice.promised_date == date(2026, 3, 20)
    assert promise[0].data["source"]["reply_id"] == en["id"]
    twice = runner.invoke(app, ["replies", "accept", str(en["id"])])
    assert twice.exit_code == 2 and "already accepted" in twice.output
