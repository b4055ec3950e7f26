"""The root ``paytrack`` command; each sub-module registers its own commands."""

from __future__ import annotations

import typer

from agent.cli import (
    charges,
    clients,
    db,
    decisions,
    demo,
    exports,
    imports,
    invoice_actions,
    invoices,
    monitor,
    payments,
    replies,
    report_monthly,
    reports,
    review,
    risk,
    serve,
    users,
)

app = typer.Typer(
    name="paytrack",
    help=(
        "paytrack — accounts receivable that follows up for you.\n\n"
        "Keeps one row per invoice, derives who owes what and since when, scores payment risk, "
        "and drafts reminders that a person approves before anything is sent."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(db.app, name="db")
for module in (
    imports,
    exports,
    invoices,
    payments,
    reports,
    demo,
    risk,
    monitor,
    review,
    serve,
    users,
    report_monthly,
    charges,
    decisions,
    invoice_actions,
    clients,
    replies,
):
    module.register(app)


def main() -> None:
    app()
