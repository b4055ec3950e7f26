"""Import benchmark: re-import an export of N invoices, next to csv + executemany of the same rows.

    python -m bench.imports --invoices 100000 [--source PATH.db] [--json]

Generates a demo ledger (or reuses ``--source``, a SQLite file), exports it with the export
service, then times two imports of that one CSV file into fresh migrated SQLite databases:

- paytrack: ``import_invoices`` (parse and validate every row, compare with the ledger, then
  the batched write stage) and its commit;
- anchor: ``csv.reader`` plus ``executemany`` of the same clients, owners, invoices, payments
  and history rows, with nothing validated.

Both databases must then hold the same invoices, amounts, payments and paid totals; the bench
says so (``agree``) and exits 1 when they do not. Peak RSS is measured for the paytrack import.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sys
import tempfile
import time
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
# A spreadsheet import refuses closed and unsent invoices (their dates and reasons need the JSON
# ledger archive): paytrack skips them with --skip-invalid semantics, the anchor leaves them out.
NOT_IMPORTABLE = frozenset({"void", "written_off", "draft"})


def _fresh(folder: Path, name: str) -> Engine:
    engine = make_engine(f"sqlite:///{folder / name}")
    upgrade(engine)
    return engine


def _paytrack(engine: Engine, path: Path) -> float:
    options = InvoiceRowOptions(
        default_currency="EUR",
        default_owner="Accounts <accounts@example.com>",
        default_terms_days=30,
        default_language="en",
        today=END,
    )
    started = time.perf_counter()
    with session_scope(engine) as session:
        import_invoices(
            session,
            path=path,
            mapping={},
            options=options,
            actor=Actor.system("import:bench"),
            skip_invalid=True,
        )
    return time.perf_counter() - started


def _minor(amount: str, currency: str) -> int:
    return int(Decimal(amount).scaleb(minor_digits(currency)))


def _anchor(engine: Engine, path: Path) -> float:
    """The least work: read the CSV, insert the rows. Same rows as the import, no checks."""
    started = time.perf_counter()
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
                 now)
            )  # fmt: skip
            events.append((n, "imported", now, "anchor", "{}"))
            if paid:
                payments.append((n, paid, currency, paid_date, "anchor", now))
                events.append((n, "payment_recorded", now, "anchor", "{}"))
                if paid >= amount:
                    events.append((n, "paid", now, "anchor", "{}"))
            if disputed:
                events.append((n, "dispute_opened", now, "anchor", "{}"))
    with engine.begin() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        raw.executemany(
            "INSERT INTO client (id, name, name_key, contact_emails, language, timezone, currency, "
            "default_terms_days, reminders_paused, created_at) VALUES (?, ?, ?, '[]', 'en', "
            "'UTC', 'EUR', 30, 0, ?)",
            [(i, name, name.casefold(), now) for name, i in clients.items()],
        )
        raw.executemany(
            "INSERT INTO user (id, name, email, role, is_active, created_at) "
            "VALUES (?, ?, ?, 'owner', 1, ?)",
            [(i, text_, f"owner{i}@example.com", now) for text_, i in owners.items()],
        )
        raw.executemany(
            "INSERT INTO invoice (id, number, client_id, owner_id, issue_date, due_date, "
            "original_due_date, currency, amount_minor, terms_days, lifecycle, sent_date, "
            "dispute_opened_date, paid_minor, last_payment_date, created_at, updated_at, "
            "reminders_paused, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, 0, 2)",
            invoices,
        )
        raw.executemany(
            "INSERT INTO payment (invoice_id, amount_minor, currency, payment_date, recorded_by, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?)",
            payments,
        )
        raw.executemany(
            "INSERT INTO invoice_event (invoice_id, kind, occurred_at, actor, data) "
            "VALUES (?, ?, ?, ?, ?)",
            events,
        )
    return time.perf_counter() - started


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


def run(invoices: int, *, source: Path | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="paytrack-bench-") as name:
        folder = Path(name)
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
        anchor_db, paytrack_db = _fresh(folder, "anchor.db"), _fresh(folder, "paytrack.db")
        anchor_s = _anchor(anchor_db, exported)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        paytrack_s = _paytrack(paytrack_db, exported)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        agree = _outcome(anchor_db) == _outcome(paytrack_db)
        anchor_db.dispose()
        paytrack_db.dispose()
    return {
        "invoices": rows,
        "paytrack_rows_per_s": rows / paytrack_s,
        "anchor_rows_per_s": rows / anchor_s,
        "ratio": paytrack_s / anchor_s,
        "paytrack_s": paytrack_s,
        "anchor_s": anchor_s,
        "peak_rss_mib": rss_after / 1024,
        "peak_rss_growth_mib": (rss_after - rss_before) / 1024,
        "agree": agree,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--source", type=Path, default=None, help="an existing ledger (SQLite)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = run(args.invoices, source=args.source)
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"{figures['invoices']:,} rows: paytrack {figures['paytrack_rows_per_s']:,.0f} rows/s, "
            f"anchor csv+executemany {figures['anchor_rows_per_s']:,.0f} rows/s, "
            f"ratio {figures['ratio']:.1f}x, peak RSS {figures['peak_rss_mib']:.0f} MiB, "
            f"agree={figures['agree']}"
        )
    return 0 if figures["agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
