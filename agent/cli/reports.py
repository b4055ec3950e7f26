"""``paytrack aging`` and ``paytrack kpis``: the ledger reports as tables or JSON."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table
from rich.text import Text

from agent.actor import Actor
from agent.cli.context import as_of_or_today, command_session, console
from agent.money import format_plain
from agent.services.reporting import reports
from agent.services.reporting.reports import AgingBucket, AgingLine, AgingReport, KpiReport

LATE_PAYERS_SHOWN = 10
BUCKET_HEADINGS = {
    AgingBucket.NOT_YET_DUE: "Not yet due",
    AgingBucket.DAYS_1_30: "1–30",
    AgingBucket.DAYS_31_60: "31–60",
    AgingBucket.DAYS_61_90: "61–90",
    AgingBucket.DAYS_OVER_90: "90+",
}


def register(root: typer.Typer) -> None:
    """Attach ``aging`` and ``kpis`` as top-level commands."""
    root.command("aging")(aging_command)
    root.command("kpis")(kpis_command)


def aging_command(
    as_of: date | None = typer.Option(None, "--as-of", help="Day to report on [today]."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead."),
) -> None:
    """Outstanding receivables by client and days overdue, per currency."""
    day = as_of_or_today(as_of)
    with command_session() as (session, _settings):
        report = reports.aging(session, as_of=day, actor=Actor.cli())
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    _print_aging(report)


def kpis_command(
    as_of: date | None = typer.Option(None, "--as-of", help="Day to report on [today]."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead."),
) -> None:
    """Collection KPIs per currency (outstanding, overdue, DSO, days to pay) and late payers."""
    day = as_of_or_today(as_of)
    with command_session() as (session, settings):
        report = reports.kpis(session, as_of=day, settings=settings, actor=Actor.cli())
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    _print_kpis(report)


def _aging_cells(line: AgingLine) -> list[str]:
    money = [format_plain(line.buckets[b].outstanding_minor, line.currency) for b in AgingBucket]
    return [
        *money,
        format_plain(line.outstanding_minor, line.currency),
        format_plain(line.disputed_minor, line.currency),
    ]


def _print_aging(report: AgingReport) -> None:
    if not report.currencies:
        console.print(f"Nothing outstanding as of {report.as_of}.")
        return
    for block in report.currencies:
        table = Table(title=f"Aging as of {report.as_of} — {block.currency}")
        table.add_column("Client")
        for heading in [*BUCKET_HEADINGS.values(), "Total", "Disputed"]:
            table.add_column(heading, justify="right")
        for line in block.clients:
            table.add_row(Text(line.client_name or ""), *_aging_cells(line))
        table.add_section()
        table.add_row("Total", *_aging_cells(block.total), style="bold")
        console.print(table)
        console.print(f"{block.total.count} open invoice(s) in {block.currency}")


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.1%}"


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _print_kpis(report: KpiReport) -> None:
    if not report.currencies:
        console.print(f"No invoices issued by {report.as_of}.")
    else:
        table = Table(title=f"KPIs as of {report.as_of}")
        table.add_column("")
        for kpi in report.currencies:
            table.add_column(kpi.currency, justify="right")
        rows: list[tuple[str, list[str]]] = [
            (
                "Outstanding",
                [format_plain(k.outstanding_minor, k.currency) for k in report.currencies],
            ),
            ("Open invoices", [str(k.open_count) for k in report.currencies]),
            ("Overdue", [format_plain(k.overdue_minor, k.currency) for k in report.currencies]),
            ("Overdue share", [_percent(k.overdue_share) for k in report.currencies]),
            ("Disputed", [format_plain(k.disputed_minor, k.currency) for k in report.currencies]),
            (
                f"DSO (days, {report.dso_window_days}-day window)",
                [_days(k.dso_days) for k in report.currencies],
            ),
            ("Avg days to pay (365 d)", [_days(k.average_days_to_pay) for k in report.currencies]),
            ("Paid late (365 d)", [_percent(k.paid_late_share) for k in report.currencies]),
            ("Settled (365 d)", [str(k.settled_count) for k in report.currencies]),
            ("Written off (365 d)", [_percent(k.written_off_share) for k in report.currencies]),
        ]
        for label, cells in rows:
            table.add_row(label, *cells)
        console.print(table)
    if not report.late_payers:
        console.print(
            f"No client with {report.consistent_late_min_invoices}+ settled invoices paid late."
        )
        return
    payers = Table(title="Clients that pay late most consistently")
    for heading in ("Client", "Settled", "Late", "Late share", "Mean days late", "Max days late"):
        payers.add_column(heading, justify="left" if heading == "Client" else "right")
    for payer in report.late_payers[:LATE_PAYERS_SHOWN]:
        payers.add_row(
            Text(payer.client_name),
            str(payer.settled_count),
            str(payer.late_count),
            _percent(payer.late_share),
            _days(payer.mean_days_late),
            str(payer.max_days_late),
        )
    console.print(payers)
    hidden = len(report.late_payers) - LATE_PAYERS_SHOWN
    if hidden > 0:
        console.print(f"… and {hidden} more (all of them with --json)")
