"""``paytrack rates`` and ``paytrack charges``: reference rates, an invoice's charges, policies."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from agent.actor import Actor
from agent.cli.context import as_of_or_today, command_session, console
from agent.money import format_plain
from agent.services.charges import charges, policies, rates
from agent.services.charges.statutes import Jurisdiction
from agent.services.ledger import clients, invoices
from agent.services.reminders import case_files

rates_app = typer.Typer(help="Reference rates behind statutory interest.", no_args_is_help=True)
charges_app = typer.Typer(
    help="Late-payment interest, compensation and reminder fees.", no_args_is_help=True
)


def register(root: typer.Typer) -> None:
    root.add_typer(rates_app, name="rates")
    root.add_typer(charges_app, name="charges")


@rates_app.command("list")
def list_rates(
    jurisdiction: Jurisdiction | None = typer.Option(None, help="SE, EU or UK."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every reference rate per half-year, shipped or set by hand (--json adds sources)."""
    with command_session() as (session, _settings):
        rows = rates.list_rates(session, jurisdiction=jurisdiction)
    if as_json:
        typer.echo(json.dumps([r.as_json() for r in rows], indent=2, ensure_ascii=False))
        return
    table = Table("jurisdiction", "from", "reference %", "statutory %", "origin")
    for r in rows:
        table.add_row(
            r.jurisdiction.value,
            r.effective_from.isoformat(),
            str(r.rate_percent),
            str(r.rate_percent + 8),
            r.origin,
        )
    console.print(table)


@rates_app.command("set")
def set_rate(
    jurisdiction: str = typer.Option(..., help="SE, EU or UK."),
    effective_from: date = typer.Option(
        ..., "--from", help="First day of the half-year: YYYY-01-01 or YYYY-07-01."
    ),
    rate: str = typer.Option(..., help="Reference rate in percent, e.g. 2.00 (not + 8)."),
    source: str = typer.Option(
        "entered by hand with paytrack rates set", help="Where the rate comes from (URL)."
    ),
) -> None:
    """Add or correct the reference rate of one half-year; it wins over the shipped file."""
    with command_session() as (session, _settings):
        saved = rates.set_rate(
            session,
            jurisdiction=jurisdiction,
            effective_from=effective_from,
            rate_percent=rate,
            source=source,
            actor=Actor.cli(),
        )
    console.print(
        f"{saved.jurisdiction.value} from {saved.effective_from}: reference "
        f"{saved.rate_percent} %, statutory {saved.rate_percent + 8} %",
        markup=False,
    )


@charges_app.command("show")
def show_charges(
    number: str = typer.Argument(..., help="Invoice number."),
    as_of: date | None = typer.Option(None, "--as-of", help="Day to compute for [today]."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """What the statute entitles you to on one invoice, whatever the client's policy."""
    with command_session() as (session, _settings):
        invoice = invoices.get_by_number(session, number=number)
        result = charges.for_invoice(
            session, invoice_id=invoice.id, as_of=as_of_or_today(as_of), actor=Actor.cli()
        )
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
        return
    money = result.currency
    lines = [
        f"invoice {result.invoice_number} as of {result.as_of} "
        f"({result.jurisdiction.value}, policy {result.policy.value})",
        f"interest: {format_plain(result.interest_minor, money)} over {result.days} days "
        f"after {result.interest_from}"
        + (f", {result.rate_percent} % on the last day" if result.rate_percent else ""),
        f"compensation: {format_plain(result.compensation_minor, money)}",
        f"reminder fees: {format_plain(result.reminder_fee_minor, money)} "
        f"({result.reminders_charged} reminders)",
        f"total: {format_plain(result.total_minor, money)}",
        *result.notes,
    ]
    for line in lines:
        console.print(line, markup=False, highlight=False)


@charges_app.command("policy")
def set_policy(
    client: str = typer.Argument(..., help="Client name."),
    jurisdiction: str | None = typer.Option(
        None, help="SE, EU, UK, none, or 'country' to follow the client's country."
    ),
    late_charges: str | None = typer.Option(None, help="off, mention or claim."),
    reminder_fee_agreed: bool | None = typer.Option(
        None,
        "--reminder-fee-agreed/--no-reminder-fee-agreed",
        help="A Swedish reminder fee was agreed in advance.",
    ),
) -> None:
    """Set how a client's reminders treat late-payment charges."""
    changes: dict[str, object] = {}
    if jurisdiction is not None:
        changes["jurisdiction"] = None if jurisdiction.lower() == "country" else jurisdiction
    if late_charges is not None:
        changes["late_charges"] = late_charges
    if reminder_fee_agreed is not None:
        changes["reminder_fee_agreed"] = reminder_fee_agreed
    with command_session() as (session, _settings):
        found = clients.get_by_name(session, name=client)
        updated = policies.set_policy(session, client_id=found.id, **changes)
    console.print(
        f"{updated.name}: jurisdiction {updated.jurisdiction or 'from country'}, "
        f"late charges {updated.late_charges}, reminder fee agreed "
        f"{'yes' if updated.reminder_fee_agreed else 'no'}",
        markup=False,
    )


@charges_app.command("case")
def case_file(
    number: str = typer.Argument(..., help="Invoice number."),
    as_of: date | None = typer.Option(None, "--as-of", help="Day the charges are computed for."),
    html: Path | None = typer.Option(None, "--html", help="Also write a readable HTML file."),
) -> None:
    """The collection case file: invoice, client, reminders sent, charges, history (JSON)."""
    with command_session() as (session, _settings):
        invoice = invoices.get_by_number(session, number=number)
        case = case_files.build(
            session, invoice_id=invoice.id, as_of=as_of_or_today(as_of), actor=Actor.cli()
        )
    if html is not None:
        html.write_text(case_files.render_html(case), encoding="utf-8")
    typer.echo(json.dumps(case, indent=2, ensure_ascii=False))
