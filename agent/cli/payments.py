"""``paytrack payments``: record a payment by hand."""

from __future__ import annotations

from datetime import date

import typer

from agent.actor import Actor
from agent.cli.context import command_session, console
from agent.money import format_plain, to_minor
from agent.services.ledger import invoices, payments

app = typer.Typer(help="Record payments.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="payments")


@app.command("record")
def record_command(
    number: str = typer.Argument(..., help="Invoice number."),
    amount: str = typer.Argument(..., help="Amount in the invoice's currency, e.g. 1250.00."),
    on: date | None = typer.Option(None, "--date", help="Payment date [today]."),
    method: str | None = typer.Option(None, help="e.g. bank transfer, card."),
    reference: str | None = typer.Option(None, help="Bank reference or note."),
    external_id: str | None = typer.Option(
        None, "--external-id", help="Bank transaction id; recording it twice is a no-op."
    ),
) -> None:
    """Apply a payment to an invoice (partial payments allowed, overpayment refused)."""
    with command_session() as (session, settings):
        invoice = invoices.get_by_number(session, number=number)
        outcome = payments.record(
            session,
            invoice_id=invoice.id,
            amount_minor=to_minor(amount, invoice.currency),
            currency=invoice.currency,
            payment_date=on or date.today(),
            method=method,
            reference=reference,
            external_id=external_id,
            actor=Actor.cli(),
            settings=settings,
        )
    balance = format_plain(outcome.balance_minor, invoice.currency)
    if not outcome.created:
        console.print(f"already recorded (external id {external_id}); balance {balance}")
    elif outcome.settled:
        console.print(f"recorded; invoice {invoice.number} is now paid in full")
    else:
        console.print(f"recorded; {balance} still outstanding on {invoice.number}")


@app.command("reverse")
def reverse_command(
    payment_id: int = typer.Argument(..., help="Payment id (see `paytrack invoices show`)."),
    reason: str = typer.Option(..., "--reason", help="Why the payment is taken back."),
) -> None:
    """Reverse a mistaken payment: it stays listed, stops counting, and the standing follows."""
    with command_session() as (session, settings):
        payment = payments.reverse(
            session, payment_id=payment_id, reason=reason, actor=Actor.cli(), settings=settings
        )
        invoice = invoices.get(session, invoice_id=payment.invoice_id, actor=Actor.cli())
        balance = invoice.amount_minor - invoices.paid_minor(session, invoice_id=invoice.id)
    console.print(
        f"payment {payment_id} reversed; {format_plain(balance, invoice.currency)} "
        f"outstanding on {invoice.number}",
        markup=False,
    )
