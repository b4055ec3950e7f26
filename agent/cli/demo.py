"""``paytrack demo``: generate a realistic demo ledger and print its summary."""

from __future__ import annotations

import time
from datetime import date

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import Engine
from sqlmodel import Session

from agent.actor import Actor
from agent.cli.context import command_session, console
from agent.db import session_scope
from agent.demo import ledger as demo_ledger
from agent.demo import reminder_history
from agent.errors import InsufficientHistory
from agent.models import UserRole
from agent.money import format_plain
from agent.services.access import users
from agent.services.reporting import reports
from agent.services.review import outbox

PROGRESS_BAR_FROM = 20_000
DEMO_PASSWORD = "paytrack-demo"

DEMO_HELP = (
    "Generate two years of realistic receivables history and print a summary.\n\n"
    "Clients pay promptly, late, in instalments, after disputes, or later and later; several "
    "owners follow them up. The ledger goes into the configured database: "
    "PAYTRACK_DATABASE_URL, or paytrack.db in PAYTRACK_DATA_DIR (default ./var).\n\n"
    "Re-running is safe: a previous demo ledger in that database is deleted and replaced. "
    "A database holding anything the demo did not create (your own clients, users or "
    "invoices) is refused and left untouched; point PAYTRACK_DATABASE_URL or "
    "PAYTRACK_DATA_DIR elsewhere."
)


def register(root: typer.Typer) -> None:
    """Attach ``paytrack demo`` to the root app."""
    root.command("demo", help=DEMO_HELP)(demo_command)


def demo_command(
    invoices: int = typer.Option(2_000, "--invoices", min=1, help="How many invoices to write."),
    seed: int = typer.Option(7, "--seed", help="The same seed writes the same ledger."),
    end_date: date | None = typer.Option(
        None, "--end-date", help="Last day of the two-year history (default: today)."
    ),
    no_serve: bool = typer.Option(
        False,
        "--no-serve",
        help="Prepare the queue and print the sign-in details, but do not serve.",
    ),
    port: int = typer.Option(8000, "--port", help="Port the pages are served on."),
) -> None:
    """Generate a demo ledger and print its summary; the help text is ``DEMO_HELP``."""
    day = end_date or date.today()
    with command_session() as (session, _settings):
        location = session.get_bind().engine.url.render_as_string(hide_password=True)
        if demo_ledger.clear_demo_ledger(session):
            console.print(f"Replacing the demo ledger already in {location}", markup=False)
    with command_session() as (session, settings):
        started = time.perf_counter()
        ledger = _generate(session, invoices=invoices, seed=seed, end_date=day)
        elapsed = time.perf_counter() - started
        counts = demo_ledger.count_rows(session)
        kpis = reports.currency_kpis(session, as_of=day, settings=settings, actor=Actor.cli())
    console.print(
        f"Demo ledger (seed {seed}) as of {day} in {location}, written in {elapsed:.1f} s",
        markup=False,
        highlight=False,
    )
    behaviours = ", ".join(
        f"{sum(1 for b in ledger.profiles.values() if b == behaviour)} {behaviour}"
        for behaviour in demo_ledger.BEHAVIOURS
    )
    console.print(
        f"  {counts.clients:,} clients ({behaviours}) · {counts.owners} owners · "
        f"{counts.invoices:,} invoices · {counts.payments:,} payments · "
        f"{counts.events:,} history events",
        markup=False,
        highlight=False,
    )
    console.print(_kpi_table(kpis))
    _prepare_review_queue(day, seed=seed, port=port, serving=not no_serve)
    if not no_serve:
        from agent.cli.serve import serve_command

        serve_command(host="127.0.0.1", port=port, no_schedule=False)


def _prepare_review_queue(day: date, *, seed: int, port: int, serving: bool) -> None:
    """Add the past year's reminders, then sweep as of the ledger's last day so the queue is
    full; give the demo people a password."""
    with command_session() as (session, settings):
        engine = session.get_bind()
        people = [
            u for u in users.list_users(session) if u.email.endswith(demo_ledger.DEMO_EMAIL_DOMAIN)
        ]
        for person in people:
            users.set_password(session, user_id=person.id, password=DEMO_PASSWORD)
    assert isinstance(engine, Engine)
    past = reminder_history.add_reminder_history(engine, seed=seed, end_date=day)
    console.print(
        f"Reminder history: {past.sent:,} reminders sent, {past.rejected:,} rejected, "
        f"{past.tasks_done:,} follow-up tasks done and {past.tasks_open:,} open.",
        markup=False,
        highlight=False,
    )
    from agent.runtime import score_then_sweep  # the model and LangGraph load only here
    from agent.services.scoring import risk_scoring

    try:
        with session_scope(engine) as session:
            model = risk_scoring.train(session, settings=settings)
        trained = f"Risk model {model.version} trained on the demo history ({model.family})."
    except InsufficientHistory as exc:
        trained = f"No risk model: {exc.message}."
    console.print(trained, markup=False, highlight=False)
    report = score_then_sweep(engine, settings, as_of=day)
    admin = next((u for u in people if u.role == UserRole.ADMIN), people[0])
    owner = next((u for u in people if u.role != UserRole.ADMIN), admin)
    url = f"http://127.0.0.1:{port}/"
    console.print(
        f"\nReview queue: {report.drafts_created} reminder drafts are waiting for review "
        f"(sweep as of {day}).",
        markup=False,
        highlight=False,
    )
    console.print(
        f"{'Open' if serving else 'Run `paytrack serve`, then open'} {url} and sign in as\n"
        f"  admin (sees every queue): {admin.email}\n"
        f"  owner (sees own queue):   {owner.email}\n"
        f"  password for every demo user: {DEMO_PASSWORD}",
        markup=False,
        highlight=False,
    )
    if not outbox.leaves_machine(settings):
        console.print(
            f"No PAYTRACK_SMTP_URL: approved e-mails are written to {settings.data_dir / 'outbox'}"
            " and nothing leaves this machine.",
            markup=False,
            highlight=False,
        )


def _generate(
    session: Session, *, invoices: int, seed: int, end_date: date
) -> demo_ledger.GeneratedLedger:
    """Run the generator on the session's engine, behind a progress bar for large ledgers."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    if invoices < PROGRESS_BAR_FROM:
        return demo_ledger.generate_ledger(engine, invoices=invoices, seed=seed, end_date=end_date)
    columns = (TextColumn("writing invoices"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("invoices", total=invoices)
        return demo_ledger.generate_ledger(
            engine,
            invoices=invoices,
            seed=seed,
            end_date=end_date,
            progress=lambda done: bar.update(task, completed=done),
        )


def _kpi_table(kpis: list[reports.CurrencyKpis]) -> Table:
    table = Table(title="Receivables per currency")
    for heading in ("Currency", "Open", "Overdue", "Disputed", "Outstanding", "Overdue amount"):
        table.add_column(heading, justify="left" if heading == "Currency" else "right")
    for line in kpis:
        table.add_row(
            line.currency,
            f"{line.open_count:,}",
            f"{line.overdue_count:,}",
            f"{line.disputed_count:,}",
            format_plain(line.outstanding_minor, line.currency),
            format_plain(line.overdue_minor, line.currency),
        )
    return table
