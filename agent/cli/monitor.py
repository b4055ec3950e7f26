"""``paytrack monitor``, ``paytrack drafts`` and ``paytrack notifications``: the agent's work."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import typer
from rich.table import Table

from agent.cli.context import as_of_or_today, command_session, console, ready_engine
from agent.errors import PaytrackError
from agent.models.draft import DraftStatus
from agent.money import format_plain
from agent.services.access import users
from agent.services.notices import notifications
from agent.services.review import drafts, outbox
from agent.settings import load_settings

monitor_app = typer.Typer(help="The scheduled sweep over the ledger.", no_args_is_help=True)
drafts_app = typer.Typer(help="Reminder drafts awaiting review.", no_args_is_help=True)
notifications_app = typer.Typer(help="Notifications for invoice owners.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(monitor_app, name="monitor")
    root.add_typer(drafts_app, name="drafts")
    root.add_typer(notifications_app, name="notifications")


@monitor_app.command("run")
def run_command(
    as_of: date | None = typer.Option(None, "--as-of", help="Day to sweep as [today]."),
    score: bool = typer.Option(
        True, "--score/--no-score", help="Refresh open invoices' risk scores first."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the sweep report as JSON."),
) -> None:
    """Sweep once: draft reminders at their milestones, escalate, notify owners.

    Safe to run as often as you like, and on several machines at once: each milestone of each
    invoice yields at most one draft.
    """
    from agent.runtime import score_then_sweep  # LangGraph loads only for this command

    settings = load_settings()
    engine = ready_engine(settings)
    day = as_of_or_today(as_of)
    try:
        report = score_then_sweep(engine, settings, as_of=day, score=score)
    except PaytrackError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    summary = {
        "as_of": day.isoformat(),
        "clients_seen": report.clients_seen,
        "invoices_seen": report.invoices_seen,
        "drafts_created": report.drafts_created,
        "invoices_drafted": report.invoices_drafted,
        "escalations": report.escalations,
        "notifications": report.notifications,
        "resumed_threads": report.resumed_threads,
        "claimed_elsewhere": report.claimed_elsewhere,
        "collection_handovers": report.collection_handovers,
        "skipped": dict(sorted(report.skipped.items())),
        "failures": report.failures,
    }
    if as_json:
        console.print_json(json.dumps(summary))
        return
    console.print(
        f"sweep as of {day}: {report.drafts_created} draft(s) for {report.invoices_drafted} "
        f"invoice(s), {report.escalations} escalation(s), {report.notifications} notification(s)"
    )
    if report.skipped:
        console.print(
            "skipped: " + ", ".join(f"{k} {v}" for k, v in sorted(report.skipped.items()))
        )
    for failure in report.failures:
        console.print(f"[red]failed:[/red] {failure}", markup=True, highlight=False)
    if report.failures:
        raise typer.Exit(1)


@drafts_app.command("list")
def list_drafts_command(
    status: DraftStatus | None = typer.Option(DraftStatus.PENDING_REVIEW, help="Draft status."),
    owner: str | None = typer.Option(None, help="Owner e-mail or name."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Drafts in the review queue, by suggested send time."""
    with command_session() as (session, _settings):
        owner_id = (
            users.resolve_owner(session, text=owner, create_missing=False)[0].id if owner else None
        )
        found = drafts.list_drafts(session, status=status, owner_id=owner_id)
        listed = {d.id: drafts.listed_invoices(session, draft_id=d.id) for d in found}
    rows: list[dict[str, Any]] = [
        {
            "id": d.id,
            "status": str(d.status),
            "milestone": d.milestone,
            "tone": str(d.tone),
            "language": d.language,
            "subject": d.subject,
            "suggested_send_at": d.suggested_send_at.isoformat(),
            "drafter": d.drafter,
            "invoices": [inv.number for _link, inv in listed[d.id]],
            "risk_band": d.risk_snapshot.get("band"),
        }
        for d in found
    ]
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table(title="Drafts")
    for heading in ("Id", "Status", "Milestone", "Tone", "Lang", "Invoices", "Send at", "Subject"):
        table.add_column(heading)
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["status"],
            row["milestone"],
            row["tone"],
            row["language"],
            ", ".join(row["invoices"]),
            row["suggested_send_at"][:16],
            row["subject"],
        )
    console.print(table)


@drafts_app.command("show")
def show_draft_command(draft_id: int = typer.Argument(..., help="Draft id.")) -> None:
    """One draft: invoices, tone and why, risk, provenance and the text."""
    with command_session() as (session, settings):
        draft = drafts.get(session, draft_id=draft_id)
        listed = drafts.listed_invoices(session, draft_id=draft_id)
        view = outbox.email_for_draft(session, draft=draft, settings=settings)
    console.print(f"[bold]Draft {draft.id}[/bold] — {draft.status!s}, {draft.milestone}")
    console.print(f"tone {draft.tone!s}: {draft.tone_reason}", markup=False)
    risk = draft.risk_snapshot
    if risk:
        console.print(
            f"risk {risk.get('band')} (P(late) {risk.get('p_late')}): "
            + "; ".join(risk.get("reasons", [])),
            markup=False,
        )
    console.print(
        f"written by {draft.drafter} ({draft.model}, prompt {draft.prompt_version}); "
        f"send at {draft.suggested_send_at:%Y-%m-%d %H:%M} UTC",
        markup=False,
    )
    if draft.fallback_reason:
        console.print(f"fallback: {draft.fallback_reason}", markup=False)
    for link, invoice in listed:
        console.print(
            f"  {invoice.number}: {format_plain(link.outstanding_minor, link.currency)} "
            f"due {link.due_date} ({link.days_overdue} days overdue)",
            markup=False,
        )
    email = view.email
    headers = [
        f"E-mail ({view.status}"
        + (f"; {view.hold_reason}" if view.hold_reason else "")
        + "), exactly as it leaves:",
        f"From: {email.from_addr}",
        f"To: {', '.join(email.to_addrs)}",
        f"Reply-To: {email.reply_to}",
        f"Subject: {email.subject}",
    ]
    if email.attachment_names:
        headers.append(f"Attachments: {', '.join(email.attachment_names)}")
    console.print("\n" + "\n".join(headers) + "\n", markup=False, highlight=False)
    console.print(email.text_body, markup=False, highlight=False)


@notifications_app.command("list")
def list_notifications_command(
    owner: str | None = typer.Option(None, help="Owner e-mail or name [everyone]."),
    unread: bool = typer.Option(False, "--unread", help="Only unread ones."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Owner notifications, newest first."""
    with command_session() as (session, _settings):
        owner_id = (
            users.resolve_owner(session, text=owner, create_missing=False)[0].id if owner else None
        )
        found = notifications.list_for_owner(session, owner_id=owner_id, unread_only=unread)
    rows: list[dict[str, Any]] = [
        {
            "id": n.id,
            "owner_id": n.owner_id,
            "kind": str(n.kind),
            "message": n.message,
            "created_at": n.created_at.isoformat(),
        }
        for n in found
    ]
    if as_json:
        console.print_json(json.dumps(rows))
        return
    for row in rows:
        console.print(f"{row['created_at'][:16]}  {row['kind']:<14} {row['message']}", markup=False)
