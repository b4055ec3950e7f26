"""``paytrack invoices extend|dispute|resolve|promise|note|pause|resume``: what the pages and
the API do to an invoice, from a terminal without a server or a key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import typer
from sqlmodel import Session

from agent.actor import Actor
from agent.cli.context import command_session, console
from agent.cli.invoices import app
from agent.models import Invoice
from agent.services.ledger import invoices
from agent.settings import Settings

NUMBER = typer.Argument(..., help="Invoice number.")
DAY_FORMATS = ["%Y-%m-%d"]


def register(root: typer.Typer) -> None:
    """The commands join ``paytrack invoices`` (registered by ``agent.cli.invoices``)."""


def _act(number: str, done: str, action: Callable[[Session, Settings, Invoice], object]) -> None:
    with command_session() as (session, settings):
        invoice = invoices.get_by_number(session, number=number)
        action(session, settings, invoice)
    console.print(f"{number}: {done}", markup=False, highlight=False)


def _day(value: datetime | None) -> date:
    return value.date() if value else date.today()


@app.command("extend")
def extend_command(
    number: str = NUMBER,
    to: datetime = typer.Option(..., "--to", formats=DAY_FORMATS, help="New due date."),
    reason: str = typer.Option(..., "--reason", help="Why the due date moves."),
) -> None:
    """Move the due date later (the original is kept for statistics)."""
    _act(
        number,
        f"due date moved to {to.date()}",
        lambda s, settings, inv: invoices.extend_due_date(
            s,
            invoice_id=inv.id,
            new_due_date=to.date(),
            reason=reason,
            actor=Actor.cli(),
            settings=settings,
        ),
    )


@app.command("dispute")
def dispute_command(
    number: str = NUMBER,
    reason: str = typer.Option(..., "--reason", help="What the client disputes."),
    on: datetime | None = typer.Option(None, "--date", formats=DAY_FORMATS, help="[today]"),
) -> None:
    """Open a dispute: no reminders until it is resolved."""
    _act(
        number,
        "dispute opened",
        lambda s, settings, inv: invoices.open_dispute(
            s,
            invoice_id=inv.id,
            reason=reason,
            opened_date=_day(on),
            actor=Actor.cli(),
            settings=settings,
        ),
    )


@app.command("resolve")
def resolve_command(
    number: str = NUMBER,
    resolution: str = typer.Option("", "--resolution", help="How it was resolved."),
    on: datetime | None = typer.Option(None, "--date", formats=DAY_FORMATS, help="[today]"),
) -> None:
    """Resolve the open dispute."""
    _act(
        number,
        "dispute resolved",
        lambda s, settings, inv: invoices.resolve_dispute(
            s,
            invoice_id=inv.id,
            resolution=resolution,
            resolved_date=_day(on),
            actor=Actor.cli(),
            settings=settings,
        ),
    )


@app.command("promise")
def promise_command(
    number: str = NUMBER,
    by: datetime = typer.Option(..., "--by", formats=DAY_FORMATS, help="Promised payment day."),
    note: str = typer.Option("", "--note", help="Who promised, how."),
) -> None:
    """Record a promise to pay: no reminders until that day has passed."""
    _act(
        number,
        f"promise to pay by {by.date()} recorded",
        lambda s, settings, inv: invoices.record_promise(
            s,
            invoice_id=inv.id,
            promised_date=by.date(),
            note=note,
            actor=Actor.cli(),
            settings=settings,
        ),
    )


@app.command("note")
def note_command(number: str = NUMBER, text: str = typer.Argument(..., help="The note.")) -> None:
    """Add a note to the invoice's history."""
    _act(
        number,
        "note added",
        lambda s, _settings, inv: invoices.add_note(
            s, invoice_id=inv.id, text=text, actor=Actor.cli()
        ),
    )


@app.command("pause")
def pause_command(
    number: str = NUMBER,
    until: datetime | None = typer.Option(
        None, "--until", formats=DAY_FORMATS, help="Resume by themselves on this day."
    ),
    reason: str = typer.Option("", "--reason", help="Why."),
) -> None:
    """Pause reminders for the invoice, optionally until a day."""
    _act(
        number,
        f"reminders paused{f' until {until.date()}' if until else ''}",
        lambda s, _settings, inv: invoices.set_reminders_paused(
            s,
            invoice_id=inv.id,
            paused=True,
            reason=reason,
            actor=Actor.cli(),
            until=until.date() if until else None,
        ),
    )


@app.command("resume")
def resume_command(
    number: str = NUMBER, reason: str = typer.Option("", "--reason", help="Why.")
) -> None:
    """Resume reminders for the invoice now."""
    _act(
        number,
        "reminders resumed",
        lambda s, _settings, inv: invoices.set_reminders_paused(
            s, invoice_id=inv.id, paused=False, reason=reason, actor=Actor.cli()
        ),
    )
