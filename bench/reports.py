"""Dashboard benchmark: generate N invoices, then time the dashboard's figures against hand SQL.

    python -m bench.reports --invoices 1000000 [--seed 7] [--db sqlite|URL] [--repeat 3]
    python -m bench.reports --source LEDGER.db

Generates the demo ledger (``bench.ledger``'s generator) and scores the invoices open on
``--as-of`` with the prior (so that expected cash and high-risk accounts have scores to read;
``--no-scores`` skips it). Then, in a fresh child process, it times each figure of
``cashflow.dashboard`` (best of ``--repeat``) next to one hand-written SQL query per figure run
in the same process on the same data, and checks that both give the same numbers. The
trend's DSO needs the KPI query at each of the 12 month ends; it is counted as one figure.
``--source`` starts from a throw-away copy of a prepared SQLite ledger instead of generating.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from agent.actor import Actor
from agent.db import make_engine, session_scope
from agent.errors import PaytrackError
from agent.services.reporting import cashflow, expected_cash, reports
from agent.settings import Settings
from bench.ledger import (
    DEFAULT_AS_OF,
    _best_of,
    _generate,
    _with_positions,
    raw_aging,
    raw_kpis,
    raw_late_payers,
    resolve_as_of,
)
from bench.source import add_ledger_arguments, copy_ledger, peak_rss_mib

_RECEIVED_SQL = """
SELECT currency, payment_date, SUM(amount_minor) FROM payment
WHERE payment_date >= :first AND payment_date < :current GROUP BY currency, payment_date
"""

_EXPECTED_SQL = """
, newest AS (SELECT invoice_id, MAX(id) AS id FROM risk_score GROUP BY invoice_id)
SELECT i.currency, pos.amount_minor - pos.paid_minor, r.expected_payment_date,
       r.interval_low_date, r.interval_high_date, i.promised_date, i.due_date
FROM pos JOIN invoice i ON i.id = pos.invoice_id
LEFT JOIN newest n ON n.invoice_id = i.id LEFT JOIN risk_score r ON r.id = n.id
WHERE pos.state = 'open'
"""

_HIGH_RISK_SQL = """
, newest AS (SELECT invoice_id, MAX(id) AS id FROM risk_score GROUP BY invoice_id)
SELECT pos.client_id, pos.currency, COUNT(*), SUM(pos.amount_minor - pos.paid_minor)
FROM pos JOIN newest n ON n.invoice_id = pos.invoice_id JOIN risk_score r ON r.id = n.id
WHERE pos.state = 'open' AND r.band = 'high'
GROUP BY pos.client_id, pos.currency
"""

_OVERDUE_BY_OWNER_SQL = """
SELECT i.owner_id, COUNT(*) FROM pos JOIN invoice i ON i.id = pos.invoice_id
WHERE pos.state = 'open' AND pos.days_overdue > 0 AND pos.disputed = 0 GROUP BY i.owner_id
"""

_SETTLED_SQL = """
SELECT currency, {month} AS month, COUNT(*), SUM(days_to_pay) FROM pos
WHERE state = 'paid' AND last_paid >= :first GROUP BY currency, month
"""

BENCH_ACTOR = Actor.system("bench")


def _positions_with_ids(dialect: str, query: str) -> str:
    # bench.ledger's positions leave out the invoice id; the dashboard's joins need it.
    sql = _with_positions(dialect, query)
    return sql.replace("SELECT i.client_id,", "SELECT i.id AS invoice_id, i.client_id,", 1)


def raw_received(connection: Connection, *, as_of: date, weeks: int) -> dict[tuple[str, date], int]:
    current = expected_cash.week_start(as_of)
    params = {"first": current - timedelta(weeks=weeks), "current": current}
    result: dict[tuple[str, date], int] = {}
    for currency, day, amount in connection.execute(text(_RECEIVED_SQL), params):
        day = day if isinstance(day, date) else date.fromisoformat(day)
        key = (currency, expected_cash.week_start(day))
        result[key] = result.get(key, 0) + int(amount)
    return result


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def raw_expected(connection: Connection, *, as_of: date, weeks: int) -> dict[tuple[str, date], int]:
    sql = _positions_with_ids(connection.dialect.name, _EXPECTED_SQL)
    first = expected_cash.week_start(as_of)
    last = first + timedelta(weeks=weeks)
    result: dict[tuple[str, date], int] = {}
    for currency, owed, expected, _low, _high, promised, due in connection.execute(
        text(sql), {"as_of": as_of}
    ):
        day = _day(expected or promised or due)
        assert day is not None, "every invoice has a due date"
        slot = max(expected_cash.week_start(day), first)
        if slot < last:
            result[(currency, slot)] = result.get((currency, slot), 0) + int(owed)
    return result


def raw_high_risk(connection: Connection, *, as_of: date) -> dict[int, dict[str, int]]:
    sql = _positions_with_ids(connection.dialect.name, _HIGH_RISK_SQL)
    result: dict[int, dict[str, int]] = {}
    for client_id, currency, _count, owed in connection.execute(text(sql), {"as_of": as_of}):
        result.setdefault(int(client_id), {})[currency] = int(owed)
    return result


def raw_overdue_by_owner(connection: Connection, *, as_of: date) -> dict[int, int]:
    sql = _positions_with_ids(connection.dialect.name, _OVERDUE_BY_OWNER_SQL)
    return {int(o): int(n) for o, n in connection.execute(text(sql), {"as_of": as_of})}


def raw_trend(
    connection: Connection, *, as_of: date, settings: Settings
) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    """(settled count, days to pay, outstanding, credit sales) per currency and month."""
    dialect = connection.dialect.name
    month = "substr(last_paid, 1, 7)" if dialect == "sqlite" else "to_char(last_paid, 'YYYY-MM')"
    starts = cashflow.month_starts(as_of, cashflow.TREND_MONTHS)
    sql = _with_positions(dialect, _SETTLED_SQL.format(month=month))
    result: dict[tuple[str, str], list[int]] = {}
    for currency, label, count, days in connection.execute(
        text(sql), {"as_of": as_of, "first": starts[0]}
    ):
        result[(currency, label)] = [int(count), int(days), 0, 0]
    for start in starts:
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        end = min(following - timedelta(days=1), as_of)
        for row in raw_kpis(connection, as_of=end, settings=settings):
            entry = result.setdefault((row[0], start.strftime("%Y-%m")), [0, 0, 0, 0])
            entry[2], entry[3] = row[1], row[7]
    return {key: (a, b, c, d) for key, (a, b, c, d) in result.items() if a or c or d}


def _service_figures(
    session: Session, *, as_of: date, settings: Settings
) -> dict[str, Callable[[], Any]]:
    return {
        "kpis": lambda: reports.currency_kpis(
            session, as_of=as_of, settings=settings, actor=BENCH_ACTOR
        ),
        "aging": lambda: reports.aging(session, as_of=as_of, actor=BENCH_ACTOR),
        "cash by week": lambda: cashflow.cash_flow(session, as_of=as_of, actor=BENCH_ACTOR),
        "high-risk accounts": lambda: cashflow.high_risk_accounts(
            session, as_of=as_of, actor=BENCH_ACTOR, limit=None
        ),
        "late payers": lambda: reports.late_payers(
            session, as_of=as_of, settings=settings, actor=BENCH_ACTOR
        ),
        "workload": lambda: cashflow.workload(session, as_of=as_of, actor=BENCH_ACTOR),
        "trend (12 months)": lambda: cashflow.trend(
            session, as_of=as_of, settings=settings, actor=BENCH_ACTOR
        ),
    }


def _raw_figures(
    connection: Connection, *, as_of: date, settings: Settings
) -> dict[str, Callable[[], Any]]:
    weeks = cashflow.DASHBOARD_WEEKS
    return {
        "kpis": lambda: raw_kpis(connection, as_of=as_of, settings=settings),
        "aging": lambda: raw_aging(connection, as_of=as_of),
        "cash by week": lambda: (
            raw_received(connection, as_of=as_of, weeks=weeks),
            raw_expected(connection, as_of=as_of, weeks=weeks),
        ),
        "high-risk accounts": lambda: raw_high_risk(connection, as_of=as_of),
        "late payers": lambda: raw_late_payers(connection, as_of=as_of, settings=settings),
        "workload": lambda: raw_overdue_by_owner(connection, as_of=as_of),
        "trend (12 months)": lambda: raw_trend(connection, as_of=as_of, settings=settings),
    }


def _agreement(service: dict[str, Any], raw: dict[str, Any]) -> dict[str, bool]:
    """Each figure's numbers from the service equal the hand SQL's."""
    kpi_rows = [
        (k.currency, k.outstanding_minor, k.open_count, k.overdue_minor) for k in service["kpis"]
    ]
    flows: list[cashflow.CurrencyCashFlow] = service["cash by week"]
    received = {(f.currency, w.week_start): w.received_minor for f in flows for w in f.past}
    expected = {(f.currency, w.week_start): w.expected_minor for f in flows for w in f.ahead}
    raw_received_rows, raw_expected_rows = raw["cash by week"]
    aging_totals = {
        (block.currency, line.client_id): line.outstanding_minor
        for block in service["aging"].currencies
        for line in block.clients
    }
    raw_aging_totals: dict[tuple[str, int], int] = {}
    for row in raw["aging"]:
        key = (row[0], row[1])
        raw_aging_totals[key] = raw_aging_totals.get(key, 0) + row[4]
    trend = {
        (t.currency, m.month): (
            m.settled_count,
            m.days_to_pay_total,
            m.outstanding_minor,
            m.credit_sales_minor,
        )
        for t in service["trend (12 months)"]
        for m in t.months
        if m.settled_count or m.outstanding_minor or m.credit_sales_minor
    }
    return {
        "kpis": kpi_rows == [row[:4] for row in raw["kpis"]],
        "aging": aging_totals == raw_aging_totals,
        "cash by week": {k: v for k, v in received.items() if v} == raw_received_rows
        and {k: v for k, v in expected.items() if v} == raw_expected_rows,
        "high-risk accounts": {
            a.client_id: a.outstanding_minor for a in service["high-risk accounts"]
        }
        == raw["high-risk accounts"],
        "late payers": {(p.client_id, p.late_count) for p in service["late payers"]}
        == {(r[0], r[3]) for r in raw["late payers"]},
        "workload": {
            w.owner_id: w.overdue_invoices for w in service["workload"] if w.overdue_invoices
        }
        == raw["workload"],
        "trend (12 months)": trend == raw["trend (12 months)"],
    }


def measure(engine: Engine, *, as_of: date, repeat: int) -> dict[str, Any]:
    settings = Settings()
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    service_s: dict[str, float] = {}
    service: dict[str, Any] = {}
    with Session(engine) as session:
        for name, work in _service_figures(session, as_of=as_of, settings=settings).items():
            service_s[name], service[name] = _best_of(repeat, work)
        whole_s, _ = _best_of(
            1,
            lambda: cashflow.dashboard(session, as_of=as_of, settings=settings, actor=BENCH_ACTOR),
        )
    raw_s: dict[str, float] = {}
    raw: dict[str, Any] = {}
    with engine.connect() as connection:
        for name, work in _raw_figures(connection, as_of=as_of, settings=settings).items():
            raw_s[name], raw[name] = _best_of(repeat, work)
    return {
        "service_s": service_s,
        "raw_s": raw_s,
        "dashboard_s": whole_s,
        "agree": _agreement(service, raw),
        "peak_rss_mib": peak_rss_mib(),
    }


def _score(url: str, as_of: date) -> None:
    from agent.services.scoring import risk_scoring

    engine = make_engine(url)
    settings = Settings(database_url=url)
    started = time.perf_counter()
    with session_scope(engine) as session:
        scored = risk_scoring.score_open_batches(
            session, settings=settings, as_of=as_of, on_batch=lambda _: None, trigger="bench"
        )
    engine.dispose()
    print(
        f"scored {scored:,} open invoices with the deployed model or the prior "
        f"in {time.perf_counter() - started:.1f} s"
    )


def _print(figures: dict[str, Any], *, as_of: date) -> None:
    print(f"dashboard figures as of {as_of} (best of repeats)")
    for name, seconds in figures["service_s"].items():
        raw = figures["raw_s"][name]
        agree = "agree" if figures["agree"][name] else "DISAGREE"
        print(f"  {name:20s} service {seconds:8.3f} s   hand SQL {raw:8.3f} s   {agree}")
    service, raw = sum(figures["service_s"].values()), sum(figures["raw_s"].values())
    print(
        f"  {'total':20s} service {service:8.3f} s   hand SQL {raw:8.3f} s   "
        f"ratio {service / raw:.2f}x"
    )
    print(f"  whole dashboard (one call, as the page builds it): {figures['dashboard_s']:.3f} s")
    print(f"  peak RSS of the measuring process {figures['peak_rss_mib']:,.0f} MiB")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__)
    add_ledger_arguments(parser, default_as_of=DEFAULT_AS_OF)
    parser.add_argument("--no-scores", action="store_true", help="do not score open invoices")
    parser.add_argument("--measure-only", action="store_true", help="measure the ledger at --db")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


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
                if not args.no_scores:
                    _score(url, args.as_of)
                command = [sys.executable, "-m", "bench.reports", "--measure-only", "--json"]
                command += ["--db", url, "--as-of", args.as_of.isoformat()]
                command += ["--repeat", str(args.repeat)]
                done = subprocess.run(command, check=True, capture_output=True, text=True)
                figures = json.loads(done.stdout)
        except PaytrackError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 2
        finally:
            engine.dispose()
        _print(figures, as_of=args.as_of)
    return 0 if all(figures["agree"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
