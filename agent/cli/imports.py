"""``paytrack import``: invoices from a spreadsheet, payments from a bank statement."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from agent.actor import Actor
from agent.cli.context import command_session, console, err_console
from agent.errors import RowProblem
from agent.services.ledger.io import archive
from agent.services.ledger.io.imports import bank_payments
from agent.services.ledger.io.imports import invoices as invoice_imports
from agent.services.ledger.io.imports.invoice_rows import INVOICE_FIELDS, InvoiceRowOptions
from agent.services.ledger.io.imports.reading import parse_map_options

app = typer.Typer(help="Import invoices or bank-statement payments.", no_args_is_help=True)

MAP_HELP = "FIELD=COLUMN for a column whose header is not recognised; repeat as needed."
DATE_FORMAT_HELP = "strptime format of the file's dates, e.g. %d-%m-%Y (ISO always works)."
DECIMAL_COMMA_HELP = "Numbers are written 1.234,56 (comma decimals)."


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="import")


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress callback for the services; draws a bar on stderr, gone when done."""
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            if done == 1 or done == total or done % 200 == 0:
                progress.update(task, completed=done, total=total)

        yield advance


def print_skipped(problems: list[RowProblem]) -> None:
    if not problems:
        return
    console.print(f"[yellow]skipped {len(problems)} row problem(s):[/yellow]")
    for problem in problems:
        console.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)


@app.command("invoices")
def invoices_command(
    file: Path = typer.Argument(..., help="CSV (comma or semicolon) or .xlsx file."),
    mapping: list[str] = typer.Option([], "--map", help=MAP_HELP),
    date_format: str | None = typer.Option(None, "--date-format", help=DATE_FORMAT_HELP),
    decimal_comma: bool = typer.Option(False, "--decimal-comma", help=DECIMAL_COMMA_HELP),
    currency: str | None = typer.Option(None, help="Currency when the file has no column."),
    owner: str | None = typer.Option(None, help="Owner (name, e-mail or 'Name <e-mail>')."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; store nothing."),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Import the good rows and list the bad ones."
    ),
) -> None:
    """Invoices (and their payment history) from a spreadsheet; all or nothing by default."""
    with command_session() as (session, settings), progress_bar("importing") as advance:
        options = InvoiceRowOptions(
            default_currency=currency or settings.default_currency,
            default_owner=owner or settings.default_owner,
            default_terms_days=settings.default_terms_days,
            default_language=settings.default_language,
            today=date.today(),
            date_format=date_format,
            decimal_comma=decimal_comma,
            source_dir=file.parent,
            data_dir=settings.data_dir,
            document_max_bytes=settings.document_max_bytes,
        )
        summary = invoice_imports.import_invoices(
            session,
            path=file,
            mapping=parse_map_options(mapping, fields=INVOICE_FIELDS),
            options=options,
            actor=Actor.system(f"import:{file.name}"),
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            on_progress=advance,
        )
    verb = "would create" if summary.dry_run else "created"
    console.print(
        f"{summary.source}: {summary.rows} row(s) read; {verb} {summary.created} invoice(s), "
        f"{summary.unchanged} unchanged, {summary.payments_recorded} payment(s), "
        f"{summary.disputes_opened} dispute(s)",
        highlight=False,
        soft_wrap=True,
    )
    if summary.clients_created:
        names = ", ".join(summary.clients_created)
        console.print(
            f"new clients ({len(summary.clients_created)}): {names}", markup=False, soft_wrap=True
        )
    if summary.clients_updated:
        verb_changed = "would update" if summary.dry_run else "updated"
        names = ", ".join(summary.clients_updated)
        console.print(
            f"{verb_changed} client details ({len(summary.clients_updated)}): {names}",
            markup=False,
            soft_wrap=True,
        )
    if summary.owners_created:
        names = ", ".join(summary.owners_created)
        console.print(
            f"new owners ({len(summary.owners_created)}): {names}", markup=False, soft_wrap=True
        )
    print_skipped(summary.skipped)
    if summary.dry_run:
        console.print("dry run: nothing was stored")


@app.command("payments")
def payments_command(
    file: Path = typer.Argument(..., help="Bank statement export (CSV or .xlsx)."),
    mapping: list[str] = typer.Option([], "--map", help=MAP_HELP),
    date_format: str | None = typer.Option(None, "--date-format", help=DATE_FORMAT_HELP),
    decimal_comma: bool = typer.Option(False, "--decimal-comma", help=DECIMAL_COMMA_HELP),
    currency: str | None = typer.Option(
        None, help="Currency of the statement when it has no currency column."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Match and report; record nothing."),
) -> None:
    """Match statement lines to invoices by number/reference and amount; never guess."""
    with command_session() as (session, _settings), progress_bar("matching") as advance:
        report = bank_payments.import_statement(
            session,
            path=file,
            mapping=parse_map_options(mapping, fields=bank_payments.STATEMENT_FIELDS),
            options=bank_payments.StatementOptions(
                currency=currency, date_format=date_format, decimal_comma=decimal_comma
            ),
            actor=Actor.system(f"bank:{file.name}"),
            dry_run=dry_run,
            on_progress=advance,
        )
    verb = "would record" if report.dry_run else "recorded"
    console.print(
        f"{report.source}: {len(report.lines)} line(s); {verb} {len(report.matched)}, "
        f"{len(report.already_recorded)} already recorded, {len(report.unmatched)} unmatched, "
        f"{len(report.ambiguous)} ambiguous, {len(report.ignored)} ignored",
        highlight=False,
        soft_wrap=True,
    )
    for title, group in (
        ("matched", report.matched),
        ("unmatched — needs a person", report.unmatched),
        ("ambiguous — needs a person", report.ambiguous),
        ("ignored", report.ignored),
    ):
        if group:
            console.print(f"[bold]{title}[/bold]")
            for outcome in group:
                console.print(
                    f"  {outcome.describe()}", markup=False, highlight=False, soft_wrap=True
                )
    if report.dry_run:
        console.print("dry run: nothing was stored")


@app.command("ledger")
def ledger_command(
    file: Path = typer.Argument(..., help="A ledger archive written by `paytrack export ledger`."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; store nothing."),
) -> None:
    """Restore a whole ledger exactly (ids, lifecycle, payments, history) into an empty one."""
    with command_session() as (session, _settings):
        parsed = archive.read_archive(file)
        counts = {name: len(rows) for name, rows in parsed.rows.items()}
        if not dry_run:
            counts = archive.restore(session, parsed)
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    verb = "would restore" if dry_run else "restored"
    console.print(f"{file.name}: {verb} {summary}", highlight=False, soft_wrap=True)
    if not dry_run and counts["user"]:
        console.print("passwords are not in archives: `paytrack users set-password` each person")
