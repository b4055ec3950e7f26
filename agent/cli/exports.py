"""``paytrack export``: invoices to CSV or .xlsx for spreadsheets and accountants."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from agent.cli.context import as_of_or_today, command_session, console
from agent.services.ledger.io import archive, exports

app = typer.Typer(help="Export data to CSV or .xlsx.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="export")


@app.command("invoices")
def invoices_command(
    file: Path = typer.Argument(..., help="Target file; .xlsx writes Excel, anything else CSV."),
    as_of: date | None = typer.Option(None, "--as-of", help="Day to judge status on [today]."),
) -> None:
    """Every invoice with its status, outstanding amount and days overdue."""
    day = as_of_or_today(as_of)
    with command_session() as (session, settings):
        count = exports.export_invoices(
            session, path=file, as_of=day, due_soon_days=settings.due_soon_days
        )
    console.print(
        f"wrote {count} invoice(s) to {file} (status as of {day})", highlight=False, soft_wrap=True
    )


@app.command("ledger")
def ledger_command(
    file: Path = typer.Argument(..., help="Target .json file."),
) -> None:
    """The whole ledger, losslessly, for `paytrack import ledger` (no passwords)."""
    with command_session() as (session, _settings):
        counts = archive.write_archive(session, path=file)
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    console.print(f"wrote {summary} to {file}", highlight=False, soft_wrap=True)
