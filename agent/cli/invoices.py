"""``paytrack invoices``: list and inspect invoices with their derived standing and history."""

from __future__ import annotations

import json
from datetime import date

import typer
from rich.table import Table

from agent.cli.context import as_of_or_today, command_session, console
from agent.money import format_plain
from agent.services.access import users
from agent.services.ledger import clients, history, invoices, payments
from agent.services.ledger.standing import State

app = typer.Typer(help="List and inspect invoices.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="invoices")


@app.command("list")
def list_command(
    status: list[State] | None = typer.Option(
        None, "--status", help="Derived status to show; repeat for several."
    ),
    owner: str | None = typer.Option(None, help="Owner e-mail or name."),
    client: str | None = typer.Option(None, help="Client name."),
    overdue: bool = typer.Option(False, "--overdue", help="Only invoices past their due date."),
    as_of: date | None = typer.Option(None, "--as-of", help="Day to judge status on [today]."),
    limit: int = typer.Option(200, min=1, help="Show at most this many rows."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Invoices with their status as of a day, oldest due date first."""
    day = as_of_or_today(as_of)
    with command_session() as (session, settings):
        owner_id = (
            users.resolve_owner(session, text=owner, create_missing=False)[0].id if owner else None
        )
        client_id = clients.get_by_name(session, name=client).id if client else None
        rows = invoices.list_rows(
            session,
            as_of=day,
            due_soon_days=settings.due_soon_days,
            states=status,
            owner_id=owner_id,
            client_id=client_id,
            overdue_only=overdue,
            limit=limit,
        )
    if as_json:
        console.print_json(
            json.dumps(
                [
                    {
                        "number": r.invoice.number,
                        "client": r.client.name,
                        "owner": r.owner.email,
                        "currency": r.invoice.currency,
                        "amount_minor": r.invoice.amount_minor,
                        "outstanding_minor": r.standing.outstanding_minor,
                        "due_date": r.invoice.due_date.isoformat(),
                        "status": r.standing.state.value,
                        "days_overdue": r.standing.days_overdue,
                    }
                    for r in rows
                ]
            )
        )
        return
    table = Table(title=f"Invoices as of {day}")
    for heading in ("Number", "Client", "Owner", "Amount", "Outstanding", "Due", "Status"):
        table.add_column(
            heading, justify="right" if heading in ("Amount", "Outstanding") else "left"
        )
    for r in rows:
        table.add_row(
            r.invoice.number,
            r.client.name,
            r.owner.name,
            format_plain(r.invoice.amount_minor, r.invoice.currency),
            format_plain(r.standing.outstanding_minor, r.invoice.currency),
            r.invoice.due_date.isoformat(),
            r.standing.label,
        )
    console.print(table)
    console.print(f"{len(rows)} invoice(s)")


@app.command("show")
def show_command(
    number: str = typer.Argument(..., help="Invoice number."),
    as_of: date | None = typer.Option(None, "--as-of", help="Day to judge status on [today]."),
) -> None:
    """One invoice: its facts, standing, payments and full history."""
    day = as_of_or_today(as_of)
    with command_session() as (session, settings):
        invoice = invoices.get_by_number(session, number=number)
        client = clients.get(session, client_id=invoice.client_id)
        owner = users.get(session, user_id=invoice.owner_id)
        current = invoices.standing(
            session, invoice=invoice, as_of=day, due_soon_days=settings.due_soon_days
        )
        received = payments.list_for_invoice(session, invoice_id=invoice.id)
        events = history.list_for_invoice(session, invoice_id=invoice.id)
    money = lambda minor: format_plain(minor, invoice.currency)  # noqa: E731
    console.print(f"[bold]Invoice {invoice.number}[/bold] — {current.label} (as of {day})")
    console.print(f"  client       {client.name}", highlight=False, markup=False)
    console.print(f"  owner        {owner.name} <{owner.email}>", highlight=False, markup=False)
    console.print(f"  amount       {money(invoice.amount_minor)}")
    console.print(f"  paid         {money(current.paid_minor)}")
    console.print(f"  outstanding  {money(current.outstanding_minor)}")
    console.print(f"  issued       {invoice.issue_date}   terms {invoice.terms_days} days")
    due_note = (
        ""
        if invoice.due_date == invoice.original_due_date
        else f" (originally {invoice.original_due_date})"
    )
    console.print(f"  due          {invoice.due_date}{due_note}")
    if invoice.reference:
        console.print(f"  reference    {invoice.reference}", markup=False)
    if invoice.notes:
        console.print(f"  notes        {invoice.notes}", markup=False)
    if received:
        console.print("[bold]Payments[/bold]")
        for p in received:
            reversed_note = f"  REVERSED: {p.reversal_reason}" if p.reversed_at else ""
            console.print(
                f"  #{p.id}  {p.payment_date}  {money(p.amount_minor)}  {p.reference or ''}"
                f"{reversed_note}",
                markup=False,
            )
    console.print("[bold]History[/bold]")
    for event in events:
        details = ", ".join(f"{k}={v}" for k, v in event.data.items() if v not in (None, ""))
        console.print(
            f"  {event.occurred_at:%Y-%m-%d %H:%M}  {event.kind:<18} {event.actor}  {details}",
            markup=False,
            highlight=False,
        )
