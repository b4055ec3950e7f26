"""A year of operation: day-1 figures next to day-365 figures on one 100,000-invoice ledger.

    python -m bench.year [--source LEDGER.db | --invoices 100000] [--db sqlite|URL] [--days 365]
                         [--json]

Running 365 full daily sweeps would take days on a shared machine, so the year is simulated by
writing the rows a year of daily runs accumulates, with the same shapes the services write:

- one periodic ``risk_score`` row per open invoice per day (``scheduled``), the current-score
  table replaced each day as scoring does;
- per day: notifications (read), finished webhook deliveries and sent outbox messages;
- agent checkpoints are not simulated (LangGraph owns that schema); they are pruned by thread.

Figures, each on day 1 and on day N: the sweep's latest-score look-up for every candidate, the
expected-cash report and the invoice table sorted by risk (both join the latest score), the
notification de-duplication look-up of a sweep group, and one daily scoring store. Day N is
measured twice: with every accumulated row still present (retention never ran), and after the
retention prune (which the daily job runs). Each pair's results are checked equal (same latest
scores, same report). Ratios within 1.5x mean the daily job does not slow down as rows pile up.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.db import make_engine, session_scope
from agent.demo.ledger import generate_ledger
from agent.models import Invoice, Lifecycle
from agent.models.notification import Notification, NotificationKind
from agent.models.outbox import OutboxMessage, OutboxStatus
from agent.models.risk import RiskScore
from agent.schema import upgrade
from agent.services.notices import notifications
from agent.services.reporting import invoice_table
from agent.services.reporting.expected_cash import expected_cash
from agent.services.retention.worker import prune
from agent.services.scoring import risk_scores, risk_scoring
from agent.settings import Settings
from bench.source import copy_ledger

DAY_ONE = date(2026, 11, 20)
BENCH_ACTOR = Actor.system("bench")


def _best(work: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def _open_ids(session: Session) -> list[int]:
    query = select(Invoice.id).where(
        Invoice.lifecycle == Lifecycle.SENT, col(Invoice.paid_minor) < col(Invoice.amount_minor)
    )
    return list(session.exec(query))


def _figures(engine: Engine, *, ids: list[int], as_of: date, settings: Settings) -> dict[str, Any]:
    found: dict[str, Any] = {}
    with Session(engine) as session:
        groups = [ids[i : i + 500] for i in range(0, len(ids), 500)]

        def latest() -> dict[int, float]:
            out: dict[int, float] = {}
            for group in groups:
                scores = risk_scores.latest_scores(session, invoice_ids=group)
                out.update({k: v.p_late for k, v in scores.items()})
            return out

        found["latest_scores_s"], found["latest"] = _best(latest)
        found["expected_cash_s"], report = _best(
            lambda: expected_cash(session, as_of=as_of, actor=BENCH_ACTOR)
        )
        found["expected_cash"] = report.model_dump()
        query = invoice_table.TableQuery(as_of=as_of, sort=invoice_table.TableSort.RISK, limit=50)
        found["invoice_table_s"], table = _best(
            lambda: invoice_table.build(session, query=query, actor=BENCH_ACTOR)
        )
        found["invoice_table"] = table.model_dump()
        invoices = list(session.exec(select(Invoice).where(col(Invoice.id).in_(ids[:200]))))
        notices = [
            notifications.Notice(i.owner_id, NotificationKind.NEWLY_OVERDUE, i, "m")
            for i in invoices
        ]
        found["notify_lookup_s"], _ = _best(lambda: notifications.notify_many(session, notices))
        session.rollback()
    started = time.perf_counter()
    with session_scope(engine) as session:
        risk_scoring.score_open(session, settings=settings, as_of=as_of, trigger="scheduled")
    found["daily_scoring_s"] = time.perf_counter() - started
    return found


def _accumulate(engine: Engine, *, ids: list[int], days: int) -> int:
    """Write what ``days`` daily runs leave behind, the way the services write it."""
    written = 0
    for n in range(1, days):
        day = DAY_ONE + timedelta(days=n)
        at = datetime.combine(day, clock(6), tzinfo=UTC)
        with engine.begin() as connection:
            connection.execute(
                insert(RiskScore),
                [
                    {"invoice_id": i, "model_version": "prior", "as_of_date": day,
                     "p_late": 0.4, "expected_payment_date": day, "interval_low_date": day,
                     "interval_high_date": day, "band": "medium", "reasons": [],
                     "trigger": "scheduled", "scored_at": at}
                    for i in ids
                ],
            )  # fmt: skip
            written += len(ids)
            connection.execute(
                insert(Notification),
                [
                    {"owner_id": 1, "kind": NotificationKind.NEWLY_OVERDUE, "invoice_id": i,
                     "message": "m", "data": {}, "dedupe_key": f"sim:{n}:{i}",
                     "created_at": at, "read_at": at}
                    for i in ids[:300]
                ],
            )  # fmt: skip
            connection.execute(
                insert(OutboxMessage),
                [
                    {"dedupe_key": f"sim:{n}:{k}", "message_id": f"<sim.{n}.{k}@x>",
                     "from_addr": "a@x", "to_addrs": [], "subject": "s", "text_body": "t",
                     "html_body": "h", "references": [], "attachments": [], "invoice_ids": [],
                     "status": OutboxStatus.SENT, "send_after": at, "attempts": 1,
                     "created_at": at, "data": {}}
                    for k in range(50)
                ],
            )  # fmt: skip
    return written


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="paytrack-year-") as name:
        if args.source:
            engine = make_engine(copy_ledger(args.source, Path(name), into=args.db))
        else:
            url = f"sqlite:///{Path(name) / 'year.db'}" if args.db == "sqlite" else args.db
            engine = make_engine(url)
            upgrade(engine)
            generate_ledger(engine, invoices=args.invoices, seed=7, end_date=DAY_ONE)
        settings = Settings(database_url=str(engine.url), data_dir=Path(name), openai_api_key="")
        with Session(engine) as session:
            ids = _open_ids(session)
        with session_scope(engine) as session:
            risk_scoring.score_open(session, settings=settings, as_of=DAY_ONE, trigger="scheduled")
        first = _figures(engine, ids=ids, as_of=DAY_ONE, settings=settings)
        rows = _accumulate(engine, ids=ids, days=args.days)
        last_day = DAY_ONE + timedelta(days=args.days - 1)
        unpruned = _figures(engine, ids=ids, as_of=DAY_ONE, settings=settings)
        started = time.perf_counter()
        pruned = prune(engine, settings=settings, now=datetime.combine(last_day, clock(7), UTC))
        prune_s = time.perf_counter() - started
        after = _figures(engine, ids=ids, as_of=DAY_ONE, settings=settings)
        engine.dispose()
    keys = [k for k in first if k.endswith("_s")]
    agree = all(
        first[k] == unpruned[k] == after[k] for k in ("expected_cash", "invoice_table")
    ) and set(first["latest"]) == set(unpruned["latest"]) == set(after["latest"])
    return {
        "open_invoices": len(ids),
        "days": args.days,
        "history_rows_written": rows,
        "prune_s": prune_s,
        "pruned_score_rows": pruned.score_history,
        "pruned_notifications": pruned.notifications,
        "pruned_outbox": pruned.outbox_messages,
        "day_1": {k: first[k] for k in keys},
        "day_n_before_prune": {k: unpruned[k] for k in keys},
        "day_n_after_prune": {k: after[k] for k in keys},
        "ratio_before_prune": {k: unpruned[k] / first[k] for k in keys},
        "ratio_after_prune": {k: after[k] / first[k] for k in keys},
        "agree": agree,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.year", description=__doc__)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--source", type=Path, default=None, help="copy this SQLite ledger")
    parser.add_argument(
        "--db", default="sqlite", help="'sqlite' (temporary file) or an empty DB URL"
    )
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = run(args)
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"{figures['open_invoices']:,} open invoices, {figures['days']} days simulated")
        for key, one in figures["day_1"].items():
            print(
                f"  {key:<20} day 1 {one * 1000:8.1f} ms   day {figures['days']} "
                f"{figures['day_n_before_prune'][key] * 1000:8.1f} ms unpruned "
                f"({figures['ratio_before_prune'][key]:.2f}x), "
                f"{figures['day_n_after_prune'][key] * 1000:8.1f} ms pruned "
                f"({figures['ratio_after_prune'][key]:.2f}x)"
            )
        print(f"  prune {figures['prune_s']:.1f} s; agree={figures['agree']}")
    return 0 if figures["agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
