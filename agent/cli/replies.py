"""``paytrack replies``: read client replies from files or the mailbox, list them, decide."""

from __future__ import annotations

import imaplib
import json
from pathlib import Path

import typer
from rich.table import Table

from agent.actor import Actor
from agent.cli.context import command_session, console, err_console, ready_engine
from agent.models.reply import ReplyStatus
from agent.services.replies import replies, views, worker
from agent.services.replies.reading import build_reader
from agent.settings import load_settings

app = typer.Typer(help="Client replies to reminders: ingest, list, accept or ignore.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="replies")


def _messages(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.eml") if p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            err_console.print(f"[red]error (path):[/red] {path} does not exist", highlight=False)
            raise typer.Exit(2)
    return found


@app.command("ingest")
def ingest_command(
    paths: list[Path] = typer.Argument(..., help=".eml files, or folders holding them."),
) -> None:
    """Store each message once, match it to its invoices and read what it says."""
    files = _messages(paths)
    stored = already = 0
    with command_session() as (session, settings):
        reader = build_reader(settings)
        for file in files:
            outcome = replies.ingest(
                session,
                raw=file.read_bytes(),
                source="file",
                reader=reader,
                settings=settings,
                actor=Actor.cli(),
            )
            stored += outcome.created
            already += not outcome.created
            reply = outcome.reply
            console.print(
                f"{file.name}: reply {reply.id} {reply.match_method!s}, {reply.intent!s} → "
                f"{reply.proposed_action!s}" + ("" if outcome.created else " (already stored)"),
                markup=False,
                highlight=False,
            )
    console.print(f"{stored} stored, {already} already stored", markup=False, highlight=False)


@app.command("list")
def list_command(
    status: ReplyStatus | None = typer.Option(None, "--status", help="Only this status."),
    unmatched: bool = typer.Option(False, "--unmatched", help="Only replies to assign."),
    limit: int = typer.Option(200, min=1, help="Show at most this many."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Replies, newest first, with matched invoices, classification and proposed action."""
    with command_session() as (session, _settings):
        found = replies.list_replies(
            session, actor=Actor.cli(), status=status, unmatched=unmatched, limit=limit
        )
        described = views.describe(session, found)
    if as_json:
        typer.echo(json.dumps(described, ensure_ascii=False, indent=2))
        return
    table = Table()
    for heading in ("Id", "From", "Invoices", "Intent", "Proposed", "Status"):
        table.add_column(heading)
    for row in described:
        table.add_row(
            str(row["id"]),
            row["from"],
            ", ".join(i["number"] for i in row["invoices"]) or row["match"],
            row["classification"]["intent"],
            row["proposed_action"]["action"],
            row["status"],
        )
    console.print(table)


@app.command("accept")
def accept_command(
    reply_id: int = typer.Argument(..., help="The reply's id."),
    action: str | None = typer.Option(None, help="Do this instead of the proposed action."),
    invoice: list[str] | None = typer.Option(None, "--invoice", help="Only these invoices."),
    promised_date: str | None = typer.Option(None, "--date", help="Promise date (YYYY-MM-DD)."),
    reason: str | None = typer.Option(None, help="Dispute reason."),
    amount: str | None = typer.Option(None, help="Confirmed payment amount."),
    payment_date: str | None = typer.Option(None, "--payment-date", help="Payment date."),
    reference: str | None = typer.Option(None, help="Payment reference."),
    note: str | None = typer.Option(None, help="Note for an acknowledgement."),
) -> None:
    """Carry out the proposed action, edited by any option given."""
    edits = {
        "action": action,
        "invoice_numbers": invoice or None,
        "promised_date": promised_date,
        "reason": reason,
        "amount": amount,
        "payment_date": payment_date,
        "reference": reference,
        "note": note,
    }
    with command_session() as (session, settings):
        reply = replies.accept(
            session,
            reply_id=reply_id,
            actor=Actor.cli(),
            settings=settings,
            edits={k: v for k, v in edits.items() if v is not None},
        )
        outcome = reply.outcome
    console.print(f"reply {reply_id} accepted: {json.dumps(outcome)}", markup=False)


@app.command("ignore")
def ignore_command(
    reply_id: int = typer.Argument(..., help="The reply's id."),
    note: str | None = typer.Option(None, help="Why nothing is to be done."),
) -> None:
    """Nothing to do about this reply; the client's reminders resume."""
    with command_session() as (session, _settings):
        replies.ignore(session, reply_id=reply_id, actor=Actor.cli(), note=note)
    console.print(f"reply {reply_id} ignored", markup=False)


@app.command("assign")
def assign_command(
    reply_id: int = typer.Argument(..., help="The unmatched reply's id."),
    invoice: list[str] = typer.Option(..., "--invoice", help="Invoice number; repeat."),
) -> None:
    """Match an unmatched reply to invoices by hand."""
    with command_session() as (session, settings):
        reply = replies.assign(
            session,
            reply_id=reply_id,
            invoice_numbers=invoice,
            actor=Actor.cli(),
            settings=settings,
            reader=build_reader(settings),
        )
        proposed = reply.proposed_action
    console.print(f"reply {reply_id} assigned; proposed: {proposed!s}", markup=False)


@app.command("fetch")
def fetch_command() -> None:
    """Read the mailbox at PAYTRACK_IMAP_URL once (``serve`` does this on its own)."""
    settings = load_settings()
    if not settings.imap_url:
        err_console.print("[red]error (imap_url):[/red] set PAYTRACK_IMAP_URL first")
        raise typer.Exit(2)
    engine = ready_engine(settings)
    try:
        report = worker.poll_once(engine, settings=settings)
    except (OSError, imaplib.IMAP4.error) as exc:
        err_console.print(f"[red]error (imap_url):[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    console.print(
        f"{report.fetched} fetched: {report.stored} stored, {report.already_stored} already "
        f"stored, {report.rejected} refused, {len(report.failed)} left for the next poll",
        markup=False,
    )
