"""Ledger benchmark: generate N invoices, then time the reports against hand-written SQL.

    python -m bench.ledger --invoices 1000000 [--seed 7] [--db sqlite|URL] [--repeat 3]
    python -m bench.ledger --source LEDGER.db

Prints figures, asserts nothing but agreement: rows/s of the generator's import, then for
aging and KPIs (``agent.services.reporting.reports``) the best-of-``repeat`` wall time, Python peak
allocation (tracemalloc) and peak RSS growth, next to one hand-written SQL query per aggregate
run in the same process on the same data; the service/SQL time ratio is the figure that
matters. The report phase runs in a fresh child process (``--measure-only``) so that its peak
RSS is not hidden by the generator's. ``--db`` takes ``sqlite`` (a temporary file, the
default) or a SQLAlchemy URL of an empty database; ``--measure-only`` re-measures an existing
ledger at ``--db`` without generating; ``--source`` measures a throw-away copy of a prepared
SQLite ledger (as of its newest issue date unless ``--as-of`` is given).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from agent.actor import Actor
from agent.db import make_engine
from agent.demo.ledger import count_rows, generate_ledger
from agent.errors import PaytrackError
from agent.schema import upgrade
from agent.services.reporting import reports
from agent.settings import Settings
from bench.source import add_ledger_arguments, copy_ledger, last_issue_date, peak_rss_mib

DEFAULT_AS_OF = date(2026, 4, 30)

_BUCKET_SQL = """CASE WHEN days_overdue <= 0 THEN 'not_yet_due'
            WHEN days_overdue <= 30 THEN '1-30'
            WHEN days_overdue <= 60 THEN '31-60'
            WHEN days_overdue <= 90 THEN '61-90'
            ELSE '90+' END"""

_POSITIONS_SQL = """
WITH paid AS (
    SELECT invoice_id, SUM(amount_minor) AS paid_minor, MAX(payment_date) AS last_paid
    FROM payment WHERE payment_date <= :as_of GROUP BY invoice_id
), pos AS (
    SELECT i.client_id, i.currency, i.amount_minor, i.issue_date, i.lifecycle,
           COALESCE(p.paid_minor, 0) AS paid_minor, p.last_paid,
           CASE WHEN i.lifecycle = 'void' AND i.closed_date <= :as_of THEN 'void'
                WHEN i.lifecycle = 'written_off' AND i.closed_date <= :as_of THEN 'written_off'
                WHEN COALESCE(p.paid_minor, 0) >= i.amount_minor THEN 'paid'
                WHEN i.lifecycle = 'draft' THEN 'draft'
                ELSE 'open' END AS state,
           CASE WHEN i.dispute_opened_date <= :as_of THEN 1 ELSE 0 END AS disputed,
           {overdue} AS days_overdue,
           {to_pay} AS days_to_pay,
           {late} AS days_late
    FROM invoice i LEFT JOIN paid p ON p.invoice_id = i.id
    WHERE i.issue_date <= :as_of
)
"""

_AGING_SQL = f"""
SELECT pos.currency, pos.client_id, c.name, {_BUCKET_SQL} AS bucket,
       SUM(amount_minor - paid_minor), COUNT(*),
       SUM(CASE WHEN disputed = 1 THEN amount_minor - paid_minor ELSE 0 END), SUM(disputed)
FROM pos JOIN client c ON c.id = pos.client_id
WHERE state = 'open'
GROUP BY pos.currency, pos.client_id, c.name, bucket
"""

_KPI_SQL = """
SELECT currency,
  SUM(CASE WHEN state = 'open' THEN amount_minor - paid_minor ELSE 0 END),
  SUM(CASE WHEN state = 'open' THEN 1 ELSE 0 END),
  SUM(CASE WHEN state = 'open' AND days_overdue > 0 THEN amount_minor - paid_minor ELSE 0 END),
  SUM(CASE WHEN state = 'open' AND days_overdue > 0 THEN 1 ELSE 0 END),
  SUM(CASE WHEN state = 'open' AND disputed = 1 THEN amount_minor - paid_minor ELSE 0 END),
  SUM(CASE WHEN state = 'open' AND disputed = 1 THEN 1 ELSE 0 END),
  SUM(CASE WHEN lifecycle <> 'draft' AND state <> 'void' AND issue_date > :window_start
      THEN amount_minor ELSE 0 END),
  SUM(CASE WHEN lifecycle <> 'draft' AND state <> 'void' AND issue_date > :window_start
      THEN 1 ELSE 0 END),
  SUM(CASE WHEN state = 'paid' AND last_paid > :year_start THEN 1 ELSE 0 END),
  SUM(CASE WHEN state = 'paid' AND last_paid > :year_start THEN days_to_pay ELSE 0 END),
  SUM(CASE WHEN state = 'paid' AND last_paid > :year_start AND days_late > :grace
      THEN 1 ELSE 0 END),
  SUM(CASE WHEN lifecycle <> 'draft' AND state <> 'void' AND issue_date > :year_start
      THEN amount_minor ELSE 0 END),
  SUM(CASE WHEN lifecycle <> 'draft' AND state <> 'void' AND issue_date > :year_start
      THEN 1 ELSE 0 END),
  SUM(CASE WHEN state = 'written_off' AND issue_date > :year_start
      THEN amount_minor - paid_minor ELSE 0 END),
  SUM(CASE WHEN state = 'written_off' AND issue_date > :year_start THEN 1 ELSE 0 END)
FROM pos GROUP BY currency ORDER BY currency
"""

_LATE_SQL = """
SELECT pos.client_id, c.name, COUNT(*),
       SUM(CASE WHEN days_late > :grace THEN 1 ELSE 0 END),
       SUM(CASE WHEN days_late > :grace THEN days_late ELSE 0 END),
       MAX(CASE WHEN days_late > :grace THEN days_late ELSE 0 END)
FROM pos JOIN client c ON c.id = pos.client_id
WHERE state = 'paid'
GROUP BY pos.client_id, c.name
HAVING COUNT(*) >= :min_settled AND SUM(CASE WHEN days_late > :grace THEN 1 ELSE 0 END) > 0
"""

BENCH_ACTOR = Actor.system("bench")


def _days_sql(dialect: str, start: str, end: str) -> str:
    if dialect == "sqlite":
        return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"
    return f"(CAST({end} AS DATE) - CAST({start} AS DATE))"


def _with_positions(dialect: str, query: str) -> str:
    positions = _POSITIONS_SQL.format(
        overdue=_days_sql(dialect, "i.due_date", ":as_of"),
        to_pay=_days_sql(dialect, "i.issue_date", "p.last_paid"),
        late=_days_sql(dialect, "i.original_due_date", "p.last_paid"),
    )
    return positions + query


def _ints(row: Any) -> tuple[Any, ...]:
    return tuple(int(v) if not isinstance(v, str) else v for v in row)


def raw_aging(connection: Connection, *, as_of: date) -> set[tuple[Any, ...]]:
    sql = _with_positions(connection.dialect.name, _AGING_SQL)
    return {_ints(row) for row in connection.execute(text(sql), {"as_of": as_of})}


def raw_kpis(connection: Connection, *, as_of: date, settings: Settings) -> list[tuple[Any, ...]]:
    sql = _with_positions(connection.dialect.name, _KPI_SQL)
    params = {
        "as_of": as_of,
        "window_start": as_of - timedelta(days=settings.dso_window_days),
        "year_start": as_of - timedelta(days=reports.TRAILING_YEAR_DAYS),
        "grace": settings.late_grace_days,
    }
    return [_ints(row) for row in connection.execute(text(sql), params)]


def raw_late_payers(
    connection: Connection, *, as_of: date, settings: Settings
) -> set[tuple[Any, ...]]:
    sql = _with_positions(connection.dialect.name, _LATE_SQL)
    params = {
        "as_of": as_of,
        "grace": settings.late_grace_days,
        "min_settled": settings.consistent_late_min_invoices,
    }
    return {_ints(row) for row in connection.execute(text(sql), params)}


def _agree(service: reports.AgingReport, kpi: reports.KpiReport, raw: dict[str, Any]) -> bool:
    """The service's figures equal the hand-written queries' row for row."""
    lines = {
        (line.currency, line.client_id, bucket.value): (total.outstanding_minor, total.count)
        for block in service.currencies
        for line in block.clients
        for bucket, total in line.buckets.items()
        if total.count
    }
    raw_lines = {(r[0], r[1], r[3]): (r[4], r[5]) for r in raw["aging"]}
    disputed = {
        (line.currency, line.client_id): (line.disputed_minor, line.disputed_count)
        for block in service.currencies
        for line in block.clients
    }
    raw_disputed: dict[tuple[str, int], tuple[int, int]] = {}
    for r in raw["aging"]:
        amount, count = raw_disputed.get((r[0], r[1]), (0, 0))
        raw_disputed[(r[0], r[1])] = (amount + r[6], count + r[7])
    kpi_rows = [
        (
            k.currency,
            k.outstanding_minor,
            k.open_count,
            k.overdue_minor,
            k.overdue_count,
            k.disputed_minor,
            k.disputed_count,
            k.credit_sales_minor,
            k.credit_sales_count,
            k.settled_count,
            k.days_to_pay_total,
            k.paid_late_count,
            k.invoiced_minor,
            k.invoiced_count,
            k.written_off_minor,
            k.written_off_count,
        )
        for k in kpi.currencies
    ]
    late = {
        (
            p.client_id,
            p.client_name,
            p.settled_count,
            p.late_count,
            p.days_late_total,
            p.max_days_late,
        )
        for p in kpi.late_payers
    }
    return (
        lines == raw_lines
        and disputed == raw_disputed
        and kpi_rows == raw["kpis"]
        and late == raw["late"]
    )


def _best_of(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def _peak_python_bytes(work: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _max_rss_bytes() -> int:
    # ru_maxrss is kilobytes on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def measure(engine: Engine, *, as_of: date, repeat: int) -> dict[str, Any]:
    """Time, memory and agreement of the service reports against the hand-written SQL."""
    settings = Settings()
    rss_before = _max_rss_bytes()
    with engine.begin() as connection:  # committed: PostgreSQL rolls statistics back otherwise
        connection.exec_driver_sql("ANALYZE")
    with Session(engine) as session:

        def service() -> tuple[reports.AgingReport, reports.KpiReport]:
            return (
                reports.aging(session, as_of=as_of, actor=BENCH_ACTOR),
                reports.kpis(session, as_of=as_of, settings=settings, actor=BENCH_ACTOR),
            )

        aging_s, aging = _best_of(
            repeat, lambda: reports.aging(session, as_of=as_of, actor=BENCH_ACTOR)
        )
        kpis_s, kpi = _best_of(
            repeat, lambda: reports.kpis(session, as_of=as_of, settings=settings, actor=BENCH_ACTOR)
        )
        service_peak = _peak_python_bytes(service)
    service_rss = _max_rss_bytes() - rss_before
    with engine.connect() as connection:
        raw_aging_s, raw_aging_rows = _best_of(repeat, lambda: raw_aging(connection, as_of=as_of))

        def raw_kpi_and_late() -> tuple[list[tuple[Any, ...]], set[tuple[Any, ...]]]:
            return (
                raw_kpis(connection, as_of=as_of, settings=settings),
                raw_late_payers(connection, as_of=as_of, settings=settings),
            )

        raw_kpis_s, (raw_kpi_rows, raw_late_rows) = _best_of(repeat, raw_kpi_and_late)
        raw_peak = _peak_python_bytes(
            lambda: (raw_aging(connection, as_of=as_of), raw_kpi_and_late())
        )
    raw = {"aging": raw_aging_rows, "kpis": raw_kpi_rows, "late": raw_late_rows}
    return {
        "aging_s": aging_s,
        "kpis_s": kpis_s,
        "raw_aging_s": raw_aging_s,
        "raw_kpis_s": raw_kpis_s,
        "service_peak_bytes": service_peak,
        "raw_peak_bytes": raw_peak,
        "service_rss_growth_bytes": service_rss,
        "agree": _agree(aging, kpi, raw),
        "aging_lines": len(raw_aging_rows),
        "peak_rss_mib": peak_rss_mib(),
        "currencies": [k.currency for k in kpi.currencies],
    }


def _mib(value: int) -> str:
    return f"{value / 2**20:.1f} MiB"


def _print_measures(figures: dict[str, Any], *, as_of: date) -> None:
    service = figures["aging_s"] + figures["kpis_s"]
    raw = figures["raw_aging_s"] + figures["raw_kpis_s"]
    print(f"reports as of {as_of} ({', '.join(figures['currencies'])}; best of repeats)")
    print(
        f"  aging  service {figures['aging_s']:8.3f} s   hand SQL {figures['raw_aging_s']:8.3f} s"
    )
    print(f"  kpis   service {figures['kpis_s']:8.3f} s   hand SQL {figures['raw_kpis_s']:8.3f} s")
    print(f"  total  service {service:8.3f} s   hand SQL {raw:8.3f} s   ratio {service / raw:.2f}x")
    print(
        f"  peak Python memory: service {_mib(figures['service_peak_bytes'])}, "
        f"hand SQL {_mib(figures['raw_peak_bytes'])}; "
        f"peak RSS growth during the service reports {_mib(figures['service_rss_growth_bytes'])}"
    )
    print(f"  peak RSS of the measuring process {figures['peak_rss_mib']:,.0f} MiB")
    print(f"  {figures['aging_lines']} aging lines; service and hand SQL agree: {figures['agree']}")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ledger", description=__doc__)
    add_ledger_arguments(parser, default_as_of=DEFAULT_AS_OF)
    parser.add_argument(
        "--measure-only", action="store_true", help="measure the ledger already at --db"
    )
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _generate(engine: Engine, args: argparse.Namespace) -> None:
    upgrade(engine)
    step = max(args.batch_size, args.invoices // 10)

    def progress(done: int) -> None:
        if done % step < args.batch_size or done == args.invoices:
            print(f"  … {done:,} invoices", file=sys.stderr, flush=True)

    started = time.perf_counter()
    ledger = generate_ledger(
        engine,
        invoices=args.invoices,
        seed=args.seed,
        end_date=args.as_of,
        batch_size=args.batch_size,
        progress=progress,
    )
    elapsed = time.perf_counter() - started
    rows = ledger.invoices + ledger.payments + ledger.events
    print(f"database: {engine.url.get_backend_name()}  seed {args.seed}")
    print(
        f"generated {ledger.invoices:,} invoices, {ledger.payments:,} payments, "
        f"{ledger.events:,} events for {ledger.clients:,} clients in {elapsed:.1f} s"
    )
    print(f"  import: {rows / elapsed:,.0f} rows/s ({ledger.invoices / elapsed:,.0f} invoices/s)")


def _measure_in_child(url: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.ledger", "--measure-only", "--json", "--db", url]
    command += ["--as-of", args.as_of.isoformat(), "--repeat", str(args.repeat)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def resolve_as_of(args: argparse.Namespace, engine: Engine) -> date:
    """``--as-of``, else the prepared ledger's newest issue date, else the generator's end."""
    if args.as_of is not None:
        return args.as_of
    return last_issue_date(engine) if args.source is not None else DEFAULT_AS_OF


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    with tempfile.TemporaryDirectory(prefix="paytrack-bench-") as folder:
        if args.source is not None:
            url = copy_ledger(args.source, Path(folder), into=args.db)
        else:
            url = f"sqlite:///{Path(folder) / 'ledger.db'}" if args.db == "sqlite" else args.db
        engine = make_engine(url)
        try:
            args.as_of = resolve_as_of(args, engine)
            if args.measure_only:
                figures = measure(engine, as_of=args.as_of, repeat=args.repeat)
                if args.json:
                    print(json.dumps(figures))
                    return 0
            else:
                if args.source is None:
                    _generate(engine, args)
                figures = _measure_in_child(url, args)
            with Session(engine) as session:
                counts = count_rows(session)
        except PaytrackError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 2
        finally:
            engine.dispose()
        print(f"ledger: {counts.invoices:,} invoices, {counts.payments:,} payments")
        _print_measures(figures, as_of=args.as_of)
    return 0 if figures["agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
