"""The review loop from a terminal: approve (edits checked), reject, snooze, cancel, requeue."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from agent.cli.app import app
from agent.models.draft import Draft, DraftStatus
from agent.models.outbox import OutboxMessage, OutboxStatus
from agent.services.ledger import history
from agent.settings import Settings
from tests.review.helpers import seed_invoices, seed_owner, sweep

runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def _pending(engine: Engine, settings: Settings) -> tuple[int, int]:
    ann = seed_owner(engine, email="ann@example.com")
    invoice_id = seed_invoices(engine, owner_id=ann)
    sweep(engine, settings)
    with Session(engine) as session:
        return session.exec(select(Draft.id)).one(), invoice_id


def _draft(engine: Engine, draft_id: int) -> Draft:
    with Session(engine) as session:
        return session.get_one(Draft, draft_id)


def test_approve_with_an_edited_subject_then_cancel(
    cli_env: dict[str, str], engine: Engine, settings: Settings
) -> None:
    draft_id, invoice_id = _pending(engine, settings)
    approved = runner.invoke(
        app,
        ["drafts", "approve", str(draft_id), "--as", "ann@example.com", "--subject", "Hello"],
        env=WIDE,
    )
    assert approved.exit_code == 0, approved.output
    assert "Subject: Hello" in approved.output
    shown = runner.invoke(app, ["drafts", "show", str(draft_id)], env=WIDE)
    assert "E-mail (pending), exactly as it leaves:" in shown.output
    assert "Reply-To: Ann <ann@example.com>" in shown.output
    cancelled = runner.invoke(
        app,
        ["drafts", "cancel", str(draft_id), "--as", "ann@example.com", "--reason", "paid by phone"],
    )
    assert cancelled.exit_code == 0, cancelled.output
    with Session(engine) as session:
        row = session.exec(select(OutboxMessage)).one()
        kinds = [e.kind for e in history.list_for_invoice(session, invoice_id=invoice_id)]
    assert (row.status, row.subject) == (OutboxStatus.CANCELLED, "Hello")
    assert row.hold_reason is not None and "paid by phone" in row.hold_reason
    assert "reminder_cancelled" in kinds
    assert _draft(engine, draft_id).status == DraftStatus.CANCELLED
    again = runner.invoke(
        app, ["drafts", "cancel", str(draft_id), "--as", "ann@example.com", "--reason", "x"]
    )
    assert again.exit_code == 2 and "no approved e-mail waiting to leave" in again.output


def test_an_edit_stating_a_new_amount_is_refused_and_nothing_is_stored(
    cli_env: dict[str, str], engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    draft_id, _invoice_id = _pending(engine, settings)
    body = tmp_path / "body.txt"
    body.write_text(
        _draft(engine, draft_id).body + "\n\nPlease also pay 99,999.00 for invoice INV-0000 today."
    )
    refused = runner.invoke(
        app,
        ["drafts", "approve", str(draft_id), "--as", "ann@example.com", "--body-file", str(body)],
        env=WIDE,
    )
    assert refused.exit_code == 2, refused.output
    assert "the edited text was refused" in refused.output
    assert _draft(engine, draft_id).status == DraftStatus.PENDING_REVIEW
    with Session(engine) as session:
        assert session.exec(select(OutboxMessage)).all() == []


def test_requeue_reject_and_snooze(
    cli_env: dict[str, str], engine: Engine, settings: Settings
) -> None:
    draft_id, _invoice_id = _pending(engine, settings)
    who = ["--as", "ann@example.com"]
    assert runner.invoke(app, ["drafts", "approve", str(draft_id), *who]).exit_code == 0
    requeued = runner.invoke(app, ["drafts", "requeue", str(draft_id), *who])
    assert requeued.exit_code == 0, requeued.output
    assert _draft(engine, draft_id).status == DraftStatus.PENDING_REVIEW
    later = (date.today() + timedelta(days=3)).isoformat()
    snoozed = runner.invoke(app, ["drafts", "snooze", str(draft_id), *who, "--until", later])
    assert snoozed.exit_code == 0, snoozed.output
    snoozed_until = _draft(engine, draft_id).snoozed_until
    assert snoozed_until is not None and snoozed_until.isoformat() == later
    approved = runner.invoke(app, ["drafts", "approve", str(draft_id), *who])
    assert approved.exit_code == 0, approved.output
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    assert [r.status for r in rows] == [OutboxStatus.CANCELLED, OutboxStatus.PENDING]
    assert rows[0].message_id != rows[1].message_id
    other_id, _ = _second_draft(engine, settings)
    rejected = runner.invoke(app, ["drafts", "reject", str(other_id), *who, "--reason", "no"])
    assert rejected.exit_code == 0, rejected.output
    assert _draft(engine, other_id).status == DraftStatus.REJECTED


def _second_draft(engine: Engine, settings: Settings) -> tuple[int, int]:
    with Session(engine) as session:
        first = session.exec(select(Draft)).first()
        assert first is not None
        ann = first.owner_id
    invoice_id = seed_invoices(
        engine, owner_id=ann, client_name="Other BV", number="2026-002", contact="x@o.example"
    )
    sweep(engine, settings)
    with Session(engine) as session:
        draft = session.exec(select(Draft).where(Draft.status == DraftStatus.PENDING_REVIEW)).one()
    return draft.id, invoice_id
