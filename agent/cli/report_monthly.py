"""``paytrack report``: the monthly review as one HTML file, and the forecast backtest."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from agent.actor import Actor
from agent.cli.context import as_of_or_today, command_session, console, err_console
from agent.money import format_plain

app = typer.Typer(help="Reports written to files or replayed: monthly review, backtest.")


def register(root: typer.Typer) -> None:
    """Attach the ``report`` group to the root app."""
    root.add_typer(app, name="report", no_args_is_help=True)


@app.command("monthly")
def monthly_command(
    month: str = typer.Option(..., "--month", help="The month to review, YYYY-MM."),
    out: Path = typer.Option(..., "--out", help="HTML file to write (overwritten)."),
    as_of: date | None = typer.Option(
        None, "--as-of", help="Judge promises and payments as known on this day [today]."
    ),
) -> None:
    """Write the monthly review as one self-contained HTML file (inline CSS and charts)."""
    from agent.services.reporting import reports_monthly
    from api.dashboard.views import monthly_document

    with command_session() as (session, settings):
        first = reports_monthly.parse_month(month)
        review = reports_monthly.monthly_review(
            session,
            month=first,
            settings=settings,
            actor=Actor.cli(),
            as_of=as_of_or_today(as_of),
        )
        document = monthly_document(review)
    try:
        out.write_text(document, encoding="utf-8")
    except OSError as exc:
        err_console.print(f"[red]error (out):[/red] cannot write {out}: {exc.strerror}")
        raise typer.Exit(2) from None
    console.print(f"Wrote the {review.month} review to {out}", highlight=False)


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


@app.command("forecast-backtest")
def backtest_command(
    weeks: int = typer.Option(12, "--weeks", min=1, max=104, help="Past weeks to replay."),
    horizon: int = typer.Option(4, "--horizon", min=1, max=12, help="Weeks ahead per origin."),
    retrain_every: int = typer.Option(
        4, "--retrain-every", min=1, help="Refit the model every N origins (cost vs freshness)."
    ),
    prior_only: bool = typer.Option(
        False, "--prior-only", help="Replay the documented prior instead of training models."
    ),
    as_of: date | None = typer.Option(None, "--as-of", help="Replay the weeks before [today]."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead."),
) -> None:
    """Replay past weeks with the model as it was then, against receipts and a naive forecast."""
    from agent.services.reporting import backtest
    from agent.services.scoring import model_health

    with command_session() as (session, settings):
        report = backtest.backtest(
            session,
            settings=settings,
            as_of=as_of_or_today(as_of),
            weeks=weeks,
            horizon=horizon,
            retrain_every=retrain_every,
            prior_only=prior_only,
        )
        if not prior_only:
            model_health.record_forecast_methods(
                session, methods={c.currency: c.forecast_method for c in report.currencies}
            )
    if as_json:
        console.print_json(json.dumps(report.model_dump(mode="json")))
        return
    table = Table(title="Weighted absolute percentage error (lower is better)")
    for heading in (
        "Currency",
        "Actual receipts",
        "Model WAPE",
        "Naive WAPE (due date)",
        "Forecast",
    ):
        table.add_column(heading, justify="left" if heading == "Currency" else "right")
    for c in report.currencies:
        table.add_row(
            c.currency,
            format_plain(c.actual_minor, c.currency),
            _share(c.model_wape),
            _share(c.naive_wape),
            "model" if c.forecast_method == "model" else "due dates",
        )
    console.print(table)
    console.print(
        f"{report.weeks} origins × up to {report.horizon} weeks ahead; "
        f"{report.trained_origins} used a model trained on the history cut at that day "
        f"(refit every {report.retrain_every}), {report.prior_origins} the documented prior.",
        highlight=False,
    )
