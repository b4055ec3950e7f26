"""Import benchmark: re-import an export of N invoices, next to csv + executemany of the same rows.

    python -m bench.imports --invoices 100000 [--source PATH.db] [--db sqlite|URL] [--json]

Generates a demo ledger (or reuses ``--source``, a SQLite file), exports it with the export
service, then times two imports of that one CSV file into fresh, migrated databases (temporary
SQLite files, or the ``--db`` PostgreSQL database, emptied before each import):

- paytrack: ``import_invoices`` (parse and validate every row, compare with the ledger, write
  in batches) and its commit, in a child process of its own so that its peak RSS is its own;
- anchor: ``csv.DictReader`` plus one DB-API ``executemany`` per table of the same clients,
  owners, invoices, payments and history rows, with nothing validated.

A spreadsheet import refuses void, written-off and draft invoices (the JSON ledger archive
carries those), so paytrack runs with ``skip_invalid`` and the anchor leaves the same rows out.
Both databases must then hold the same invoices, amounts, payments and paid totals; the bench
says so (``agree``) and exits 1 when they do not. Wall and CPU seconds are both reported: on a
shared machine the CPU ratio is the steadier figure.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from agent.actor import Actor
from agent.db import make_engine, session_scope
from agent.demo.ledger import generate_ledger
from agent.money import minor_digits
from agent.schema import upgrade
from agent.services.ledger.io.exports import export_invoices
from agent.services.ledger.io.imports.invoice_rows import InvoiceRowOptions
from agent.services.ledger.io.imports.invoices import import_invoices

END = date(2026, 11, 20)
NOT_IMPORTABLE = frozenset({"void", "written_off", "draft"})


@contextmanager
def _fresh(url: str) -> Iterator[Engine]:
    """A migrated, empty database at ``url`` (PostgreSQL: its public schema dropped first)."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def _timed_import(url: str, path: Path) -> dict[str, Any]:
    """The paytrack import and its commit, timed; runs in the child process."""
    options = InvoiceRowOptions(
        default_currency="EUR",
        default_owner="Accounts <accounts@example.com>",
        default_terms_days=30,
        default_language="en",
        today=END,
    )
    engine = make_engine(url)
    started, cpu = time.perf_counter(), time.process_time()
    with session_scope(engine) as session:
        summary = import_invoices(
            session,
            path=path,
            mapping={},
            options=options,
            actor=Actor.system("import:bench"),
            skip_invalid=True,
        )
    figures = {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "peak_rss_mib": _peak_rss_mib(),
        "created": summary.created,
        "skipped": len(summary.skipped),
    }
    engine.dispose()
    return figures


def _peak_rss_mib() -> float:
    """This process's own peak RSS. Linux carries ``ru_maxrss`` across exec, so a child started
    by a big parent would report the parent's peak; ``VmHWM`` starts afresh with the program."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _paytrack(url: str, path: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.imports", "--child", url, str(path)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout))


def _minor(amount: str, currency: str) -> int:
    return int(Decimal(amount).scaleb(minor_digits(currency)))


def _anchor(engine: Engine, path: Path) -> tuple[float, float]:
    """The least work: read the CSV, insert the rows. Same rows as the import, no checks."""
    started, cpu = time.perf_counter(), time.process_time()
    now = datetime.now(UTC).isoformat()
    clients: dict[str, int] = {}
    owners: dict[str, int] = {}
    invoices: list[tuple[Any, ...]] = []
    payments: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["status"] in NOT_IMPORTABLE:
                continue
            n = len(invoices) + 1
            currency = row["currency"]
            client = clients.setdefault(row["client"], len(clients) + 1)
            owner = owners.setdefault(row["owner"], len(owners) + 1)
            amount = _minor(row["amount"], currency)
            paid = _minor(row["amount_paid"], currency) if row["amount_paid"] else 0
            paid_date = row["paid_date"] or None
            disputed = row["disputed"] == "yes" and paid < amount
            invoices.append(
                (n, row["number"], client, owner, row["issue_date"], row["due_date"],
                 row["due_date"], currency, amount, int(row["terms"]), "sent", row["issue_date"],
                 row["issue_date"] if disputed else None, paid, paid_date if paid else None, now,
                 now, False, 2)
            )  # fmt: skip
            events.append((n, "imported", now, "anchor", "{}"))
            if paid:
                payments.append((n, paid, currency, paid_date, "anchor", now))
                events.append((n, "payment_recorded", now, "anchor", "{}"))
                if paid >= amount:
                    events.append((n, "paid", now, "anchor", "{}"))
            if disputed:
                events.append((n, "dispute_opened", now, "anchor", "{}"))
    client_rows = [(i, name, name.casefold(), "[]", "en", "UTC", "EUR", 30, False, now)
                   for name, i in clients.items()]  # fmt: skip
    owner_rows = [(i, owner, f"owner{i}@example.com", "owner", True, now)
                  for owner, i in owners.items()]  # fmt: skip
    with engine.begin() as connection:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        mark = "?" if engine.dialect.name == "sqlite" else "%s"
        for sql, rows in (
            ('client (id, name, name_key, contact_emails, language, timezone, currency, '
             'default_terms_days, reminders_paused, created_at)', client_rows),
            ('"user" (id, name, email, role, is_active, created_at)', owner_rows),
            ('invoice (id, number, client_id, owner_id, issue_date, due_date, original_due_date, '
             'currency, amount_minor, terms_days, lifecycle, sent_date, dispute_opened_date, '
             'paid_minor, last_payment_date, created_at, updated_at, reminders_paused, version)',
             invoices),
            ('payment (invoice_id, amount_minor, currency, payment_date, recorded_by, '
             'created_at)', payments),
            ("invoice_event (invoice_id, kind, occurred_at, actor, data)", events),
        ):  # fmt: skip
            marks = ", ".join(mark for _ in rows[0])
            cursor.executemany(f"INSERT INTO {sql} VALUES ({marks})", rows)
    return time.perf_counter() - started, time.process_time() - cpu


def _outcome(engine: Engine) -> tuple[Any, ...]:
    with Session(engine) as session:
        return tuple(
            session.execute(
                text(
                    "SELECT (SELECT count(*) FROM invoice), (SELECT sum(amount_minor) FROM "
                    "invoice), (SELECT sum(paid_minor) FROM invoice), (SELECT count(*) FROM "
                    "payment), (SELECT sum(amount_minor) FROM payment), (SELECT count(*) FROM "
                    "invoice WHERE dispute_opened_date IS NOT NULL)"
                )
            ).one()
        )


def _export(folder: Path, invoices: int, source: Path | None) -> tuple[Path, int]:
    if source is None:
        source = folder / "source.db"
        generator = make_engine(f"sqlite:///{source}")
        upgrade(generator)
        generate_ledger(generator, invoices=invoices, seed=7, end_date=END)
        generator.dispose()
    exported = folder / "export.csv"
    engine = make_engine(f"sqlite:///{source}")
    with Session(engine) as session:
        rows = export_invoices(session, path=exported, as_of=END, due_soon_days=7)
    engine.dispose()
    return exported, rows


def run(invoices: int, *, source: Path | None, db: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="paytrack-bench-") as name:
        folder = Path(name)
        exported, rows = _export(folder, invoices, source)
        anchor_url = f"sqlite:///{folder / 'anchor.db'}" if db == "sqlite" else db
        paytrack_url = f"sqlite:///{folder / 'paytrack.db'}" if db == "sqlite" else db
        with _fresh(anchor_url) as engine:
            anchor_s, anchor_cpu = _anchor(engine, exported)
            anchor_outcome = _outcome(engine)
        with _fresh(paytrack_url) as engine:
            paytrack = _paytrack(paytrack_url, exported)
            paytrack_outcome = _outcome(engine)
    imported = paytrack["created"]
    return {
        "database": "sqlite" if db == "sqlite" else db.split(":")[0],
        "exported": rows,
        "imported": imported,
        "skipped": paytrack["skipped"],
        "paytrack_rows_per_s": imported / paytrack["seconds"],
        "anchor_rows_per_s": imported / anchor_s,
        "ratio": paytrack["seconds"] / anchor_s,
        "paytrack_s": paytrack["seconds"],
        "anchor_s": anchor_s,
        "paytrack_cpu_rows_per_s": imported / paytrack["cpu_seconds"],
        "anchor_cpu_rows_per_s": imported / anchor_cpu,
        "cpu_ratio": paytrack["cpu_seconds"] / anchor_cpu,
        "peak_rss_mib": paytrack["peak_rss_mib"],
        "agree": anchor_outcome == paytrack_outcome,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--source", type=Path, default=None, help="an existing ledger (SQLite)")
    parser.add_argument("--db", default="sqlite", help="'sqlite' (temporary files) or a URL")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_timed_import(args.child[0], Path(args.child[1]))))
        return 0
    figures = run(args.invoices, source=args.source, db=args.db)
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"{figures['database']}: {figures['imported']:,} of {figures['exported']:,} exported "
            f"rows imported ({figures['skipped']:,} void/written-off/draft skipped)\n"
            f"  paytrack {figures['paytrack_rows_per_s']:,.0f} rows/s "
            f"({figures['paytrack_s']:.1f} s; CPU {figures['paytrack_cpu_rows_per_s']:,.0f} "
            f"rows/s), peak RSS {figures['peak_rss_mib']:.0f} MiB\n"
            f"  anchor csv+executemany {figures['anchor_rows_per_s']:,.0f} rows/s "
            f"({figures['anchor_s']:.1f} s; CPU {figures['anchor_cpu_rows_per_s']:,.0f} rows/s)\n"
            f"  ratio {figures['ratio']:.1f}x wall, {figures['cpu_ratio']:.1f}x CPU; "
            f"agree={figures['agree']}"
        )
    return 0 if figures["agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
