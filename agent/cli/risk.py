"""``paytrack risk``: train and evaluate the payment-risk model, score invoices and accounts."""

from __future__ import annotations

import heapq
import json
from datetime import date
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from agent.cli.context import as_of_or_today, command_session, console
from agent.money import format_plain

if TYPE_CHECKING:
    from agent.services.scoring.risk_scoring import InvoiceRisk

app = typer.Typer(help="Payment risk: train, evaluate, score.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Attach this module's commands to the root app."""
    root.add_typer(app, name="risk")


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}"


@app.command("train")
def train_command(
    as_json: bool = typer.Option(False, "--json", help="Print the model's metadata as JSON."),
) -> None:
    """Fit on the settled history (safe to run on a schedule); the new model scores from now on."""
    from agent.services.scoring import risk_scoring  # pandas and scikit-learn load here only

    with command_session() as (session, settings):
        record = risk_scoring.train(session, settings=settings)
    details = record.details
    if as_json:
        console.print_json(json.dumps({"version": record.version, **details}, default=str))
        return
    m = details["metrics"]
    console.print(
        f"trained model [bold]{record.version}[/bold] ({record.family}) on "
        f"{details['rows_total']} settled invoices; artifact {record.artifact_path}",
        highlight=False,
    )
    console.print(
        f"test split ({m['rows_train']} train / {m['rows_test']} test): AUC {_fmt(m['auc'])} "
        f"(history baseline {_fmt(m['baseline_auc'])}, logistic baseline "
        f"{_fmt(m['logistic_baseline_auc'])}), Brier {_fmt(m['brier'])}, MAE "
        f"{m['mae_days']:.1f} days (baseline {m['baseline_mae_days']:.1f}), "
        f"{details['nominal_coverage']:.0%} interval coverage {m['interval_coverage']:.1%}",
        highlight=False,
    )


@app.command("evaluate")
def evaluate_command(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """The deployed model on its time split, next to the baselines, and since it was trained."""
    from agent.services.scoring import risk_scoring  # pandas and scikit-learn load here only

    with command_session() as (session, settings):
        result = risk_scoring.evaluate(session, settings=settings)
    if as_json:
        print(json.dumps(result, default=str))
        return
    measured = result.get("measured", {})
    table = Table(
        title=escape(f"Model {result['version']}, test split: measured {result['family']}")
    )
    for heading in ("Measure", "Model", "History baseline", "Logistic baseline"):
        table.add_column(heading)
    for label, key in (("ROC AUC", "auc"), ("PR AUC", "pr_auc"), ("Brier", "brier")):
        table.add_row(
            label,
            _fmt(result[key]),
            _fmt(result[f"baseline_{key}"]),
            _fmt(result[f"logistic_baseline_{key}"]),
        )
    table.add_row(
        "MAE (days)", f"{result['mae_days']:.2f}", f"{result['baseline_mae_days']:.2f}", ""
    )
    width = result["interval_mean_width_days"]
    table.add_row(
        "Interval coverage", f"{result['interval_coverage']:.1%} (mean width {width:.1f} d)", "", ""
    )
    console.print(table)
    for name, text in measured.items():
        console.print(escape(f"  {name}: {text}"), highlight=False)
    console.print(f"rows: {result['rows_train']} train, {result['rows_test']} test")
    console.print(escape(f"deployed: {result['deployed_family']}"), highlight=False)
    _print_reliability(result)
    _print_since(result)


def _print_reliability(result: dict[str, Any]) -> None:
    table = Table(
        title=f"Reliability on the test split: expected calibration error {result['ece']:.3f}"
    )
    for heading in ("P(late) range", "Invoices", "Predicted", "Observed"):
        table.add_column(heading)
    for row in result["calibration"]:
        table.add_row(
            f"{row['low']:.0%}–{row['high']:.0%}",
            str(row["rows"]),
            f"{row['predicted']:.1%}",
            f"{row['observed']:.1%}",
        )
    console.print(table)


def _print_since(result: dict[str, Any]) -> None:
    since = result["since_training"]
    if since["rows"]:
        console.print(
            f"since {since['since']}: {since['rows']} invoices settled, AUC {_fmt(since['auc'])}, "
            f"Brier {_fmt(since['brier'])}, MAE {since['mae_days']:.1f} days, "
            f"coverage {since['interval_coverage']:.1%}",
            highlight=False,
        )
    else:
        console.print(f"no invoices settled since {since['since']} yet")
    health = result["health"]
    if health["stale"]:
        console.print(
            f"[yellow]stale: {'; '.join(health['reasons'])} — run `paytrack risk train`[/yellow]"
        )
    else:
        console.print(f"fresh: trained {health['age_days']} days ago")


@app.command("score")
def score_command(
    as_of: date | None = typer.Option(None, "--as-of", help="Day to score on [today]."),
    limit: int = typer.Option(50, min=1, help="Show at most this many rows."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Score every open invoice: P(late), expected payment date, band, reasons (stored)."""
    from agent.services.scoring import risk_scoring  # pandas and scikit-learn load here only

    day = as_of_or_today(as_of)
    worst: list[risk_scoring.InvoiceRisk] = []
    rows: list[tuple[tuple[float, date, str], dict[str, Any]]] = []

    def keep(batch: list[risk_scoring.InvoiceRisk]) -> None:
        # The table keeps only the worst ``limit``: memory stays flat in the ledger's size.
        if as_json:
            rows.extend((risk_scoring.worst_first(r), _score_json(r)) for r in batch)
        else:
            worst[:] = heapq.nsmallest(limit, [*worst, *batch], key=risk_scoring.worst_first)

    with command_session() as (session, settings):
        count = risk_scoring.score_open_batches(
            session, settings=settings, as_of=day, on_batch=keep, trigger="manual"
        )
    if as_json:
        print(json.dumps([row for _, row in sorted(rows, key=lambda item: item[0])]))
        return
    if worst and worst[0].is_prior:
        console.print("[yellow]no trained model: these are prior estimates[/yellow]")
    table = Table(title=f"Open invoices by risk as of {day}")
    for heading in ("Number", "Client", "Outstanding", "Due", "P(late)", "Band", "Expected", "Why"):
        table.add_column(heading, justify="right" if heading == "Outstanding" else "left")
    for r in worst:
        table.add_row(
            r.number,
            r.client_name,
            format_plain(r.outstanding_minor, r.currency),
            r.due_date.isoformat(),
            f"{r.p_late:.0%}",
            r.band,
            f"{r.expected_payment_date} ({r.interval_low_date}…{r.interval_high_date})",
            "; ".join(r.reasons),
        )
    console.print(table)
    model = worst[0].model_version if worst else "-"
    console.print(f"{count} open invoice(s) scored with model {model}")


def _score_json(r: InvoiceRisk) -> dict[str, Any]:
    return {
        "number": r.number,
        "client": r.client_name,
        "currency": r.currency,
        "outstanding_minor": r.outstanding_minor,
        "due_date": r.due_date.isoformat(),
        "p_late": round(r.p_late, 4),
        "band": r.band,
        "expected_payment_date": r.expected_payment_date.isoformat(),
        "interval": [r.interval_low_date.isoformat(), r.interval_high_date.isoformat()],
        "reasons": r.reasons,
        "model_version": r.model_version,
        "prior": r.is_prior,
        "pre_due_reminder_date": (
            r.follow_up.pre_due_reminder_date.isoformat()
            if r.follow_up.pre_due_reminder_date
            else None
        ),
        "next_follow_up_date": r.follow_up.next_follow_up_date.isoformat(),
    }


@app.command("accounts")
def accounts_command(
    as_of: date | None = typer.Option(None, "--as-of", help="Day to score on [today]."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Clients by risk, with reasons and exposure (outstanding × P(late))."""
    from agent.services.scoring import risk_scoring  # pandas and scikit-learn load here only

    day = as_of_or_today(as_of)
    with command_session() as (session, settings):
        rows = risk_scoring.accounts(session, settings=settings, as_of=day)
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "client": a.client_name,
                        "open_invoices": a.open_invoices,
                        "p_late": round(a.p_late, 4),
                        "band": a.band,
                        "outstanding_minor": a.outstanding_minor,
                        "exposure_minor": a.exposure_minor,
                        "reasons": a.reasons,
                    }
                    for a in rows
                ]
            )
        )
        return
    table = Table(title=f"Accounts by exposure as of {day}")
    for heading in ("Client", "Open", "P(late)", "Band", "Outstanding", "Exposure", "Why"):
        table.add_column(heading)
    for a in rows:
        table.add_row(
            a.client_name,
            str(a.open_invoices),
            f"{a.p_late:.0%}",
            a.band,
            ", ".join(format_plain(v, c) for c, v in a.outstanding_minor.items()),
            ", ".join(format_plain(v, c) for c, v in a.exposure_minor.items()),
            "; ".join(a.reasons),
        )
    console.print(table)
