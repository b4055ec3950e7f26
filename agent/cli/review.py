"""``paytrack outbox send`` and ``paytrack outbox list``: the e-mail sender from the shell."""

from __future__ import annotations

import typer
from rich.table import Table

from agent import runtime
from agent.cli.context import command_session, console, ready_engine
from agent.models.outbox import OutboxStatus
from agent.services.review import outbox
from agent.settings import load_settings

outbox_app = typer.Typer(help="The e-mail outbox: approved reminders waiting to be sent.")


def register(root: typer.Typer) -> None:
    root.add_typer(outbox_app, name="outbox")


@outbox_app.command("send")
def send_command(
    loop: bool = typer.Option(
        False, "--loop", help="Keep sending every PAYTRACK_OUTBOX_POLL_SECONDS."
    ),
) -> None:
    """Deliver every due message once (SMTP at PAYTRACK_SMTP_URL, else .eml files)."""
    settings = load_settings()
    engine = ready_engine(settings)
    where = (
        "over SMTP"
        if outbox.leaves_machine(settings)
        else f"as .eml files in {settings.data_dir / 'outbox'} (no SMTP: nothing leaves here)"
    )
    if loop:
        console.print(
            f"sending {where} every {settings.outbox_poll_seconds:g} s; Ctrl-C stops", markup=False
        )
        sender = outbox.SenderLoop(engine, settings, sender=runtime.send_pass)
        try:
            sender.run_forever()
        except KeyboardInterrupt:
            sender.stop()
        return
    report = runtime.send_pass(engine, settings=settings)
    engine.dispose()
    console.print(
        f"sent {report.sent} {where}; {report.retried} to retry, {report.failed} failed, "
        f"{report.unconfirmed} unconfirmed, {report.recovered} recovered; "
        f"{report.held} held and {report.cancelled} cancelled by the send-time check",
        markup=False,
        highlight=False,
    )


@outbox_app.command("list")
def list_command(
    status: OutboxStatus | None = typer.Option(None, "--status", help="Only this status."),
) -> None:
    """The newest outbox messages and where each one is."""
    with command_session() as (session, _settings):
        rows = outbox.list_messages(session, statuses=[status] if status else None, limit=100)
        table = Table()
        for heading in ("Id", "Status", "Send after (UTC)", "To", "Subject", "Message-ID"):
            table.add_column(heading)
        for row in rows:
            table.add_row(
                str(row.id),
                str(row.status),
                row.send_after.strftime("%Y-%m-%d %H:%M"),
                ", ".join(row.to_addrs),
                row.subject,
                row.message_id,
            )
    console.print(table)
