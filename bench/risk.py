"""Risk bench: ``python -m bench.risk --invoices 1000000 [--source LEDGER.db] [--json]``.

Prepares a ledger (a throw-away copy of ``--source``, else a generated demo ledger in a
temporary SQLite file or the empty database at ``--db``) and trains on the whole histories of
its first clients (about ``--train-sample`` invoices), registering the model as ``paytrack risk
train`` would. Then, in a fresh child process so that peak memory is the scoring's own:

1. ``paytrack risk score``'s path (``score_open_batches``: every invoice open on ``--as-of``
   scored with interval, band and reasons, and stored), timed, with the peak RSS;
2. the anchor, in the same run over the same client batches: the bare ``predict_proba`` on
   the same feature matrices, checking that the stored P(late) equals it (1 where already late).

``--as-of`` defaults to the ledger's newest issue date; ``--reuse`` measures the ledger already
at ``--db`` instead of generating one there.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from threadpoolctl import threadpool_limits

from agent.db import make_engine, session_scope
from agent.demo.ledger import generate_ledger
from agent.models import Invoice
from agent.models.risk_score_current import RiskScoreCurrent
from agent.schema import upgrade
from agent.services.scoring import client_batches, model_health, risk_scoring
from agent.settings import Settings
from bench.source import copy_ledger, last_issue_date, peak_rss_mib
from risk.features import FEATURES, build_features
from risk.model import RiskModel, thread_limit
from risk.training import train_and_evaluate

GENERATED_END = date(2026, 6, 30)


def _train(engine: Engine, settings: Settings, args: argparse.Namespace) -> float:
    """Fit on the first clients' whole histories and deploy the model; the seconds it took."""
    started = time.perf_counter()
    with session_scope(engine) as session:
        first = next(client_batches.ranges(session, batch_invoices=args.train_sample))
        ledger = risk_scoring.load_history(session, clients=first).ledger
        model = train_and_evaluate(
            ledger, version="bench", grace_days=0, min_rows=200, test_share=0.25, coverage=0.8
        ).model
        risk_scoring.register(session, model=model, settings=settings, trained_at=datetime.now(UTC))
    return time.perf_counter() - started


def _score(engine: Engine, settings: Settings, *, as_of: date, batch: int) -> dict[str, float]:
    """``paytrack risk score``: every open invoice scored, explained and stored."""
    started, cpu = time.perf_counter(), time.process_time()
    with session_scope(engine) as session:
        scored = risk_scoring.score_open_batches(
            session,
            settings=settings,
            as_of=as_of,
            on_batch=lambda _: None,
            trigger="bench",
            batch_invoices=batch,
        )
    return {
        "scored": scored,
        "score_s": time.perf_counter() - started,
        "score_cpu_s": time.process_time() - cpu,
    }


def _anchor(
    engine: Engine, model: RiskModel, *, as_of: date, batch: int, grace_days: int
) -> dict[str, Any]:
    """Bare ``predict_proba`` on the same rows' features; the stored scores must match it."""
    day = (as_of - date(1970, 1, 1)).days
    found: dict[str, Any] = {"rows": 0, "load_s": 0.0, "features_s": 0.0, "bare_s": 0.0}
    found["bare_cpu_s"] = 0.0
    mismatched = 0
    with Session(engine) as session:
        for clients in client_batches.ranges(session, batch_invoices=batch):
            started = time.perf_counter()
            history = risk_scoring.load_history(session, clients=clients)
            rows = risk_scoring.open_rows(history.ledger, as_of=as_of)
            found["load_s"] += time.perf_counter() - started
            if len(rows) == 0:
                continue
            started = time.perf_counter()
            as_of_days = np.full(len(rows), day)
            features = build_features(
                history.ledger, rows=rows, as_of_days=as_of_days, grace_days=grace_days
            )
            found["features_s"] += time.perf_counter() - started
            matrix = features[FEATURES]
            started, cpu = time.perf_counter(), time.process_time()
            with threadpool_limits(limits=thread_limit(len(matrix))):  # as the scorer does
                p = model.classifier.predict_proba(matrix)[:, 1]
            found["bare_s"] += time.perf_counter() - started
            found["bare_cpu_s"] += time.process_time() - cpu
            inv = history.ledger.invoices
            late = day > inv["original_due_day"].to_numpy()[rows] + grace_days
            ids = inv["invoice_id"].to_numpy()[rows].tolist()
            expected = dict(zip(ids, np.where(late, 1.0, p), strict=True))
            stored = dict(
                session.exec(
                    select(RiskScoreCurrent.invoice_id, RiskScoreCurrent.p_late)
                    .join(Invoice, col(Invoice.id) == RiskScoreCurrent.invoice_id)
                    .where(clients.holds(col(Invoice.client_id)))
                ).all()
            )
            mismatched += sum(
                1
                for invoice_id, p_late in expected.items()
                if invoice_id not in stored or not np.isclose(stored[invoice_id], p_late)
            )
            found["rows"] += len(rows)
    found["mismatched"] = mismatched
    return found


def measure(url: str, *, as_of: date | None, batch: int, folder: Path) -> dict[str, Any]:
    """Score and anchor with the deployed model at ``url`` (run in a child process)."""
    engine = make_engine(url)
    settings = Settings(database_url=url, data_dir=folder)
    day = as_of or last_issue_date(engine)
    try:
        with Session(engine) as session:
            record = model_health.deployed(session)
            assert record is not None, "the parent process trains and registers a model first"
            model = risk_scoring.load_model(record)
        rss_before = peak_rss_mib()
        scored = _score(engine, settings, as_of=day, batch=batch)
        rss_after = peak_rss_mib()
        anchor = _anchor(engine, model, as_of=day, batch=batch, grace_days=settings.late_grace_days)
    finally:
        engine.dispose()
    return {
        "as_of": day.isoformat(),
        "model": model.metadata.get("classifier_family", "?"),
        **scored,
        "peak_rss_before_scoring_mib": rss_before,
        "peak_rss_mib": rss_after,
        "anchor": anchor,
        "agree": scored["scored"] == anchor["rows"] and anchor["mismatched"] == 0,
    }


def _prepare(args: argparse.Namespace, folder: Path) -> str:
    """The URL of the ledger to measure: a copy of ``--source``, else a generated one."""
    if args.source is not None:
        return copy_ledger(args.source, folder, into=args.db)
    url = f"sqlite:///{folder / 'ledger.db'}" if args.db == "sqlite" else args.db
    if args.reuse:
        return url
    engine = make_engine(url)
    try:
        upgrade(engine)
        started = time.perf_counter()
        generate_ledger(engine, invoices=args.invoices, end_date=GENERATED_END, seed=args.seed)
        print(f"generated {args.invoices:,} invoices in {time.perf_counter() - started:.1f} s")
    finally:
        engine.dispose()
    return url


def _in_child(url: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.risk", "--measure-only", "--json", "--db", url]
    command += ["--data-dir", str(folder), "--batch", str(args.batch)]
    if args.as_of is not None:
        command += ["--as-of", args.as_of.isoformat()]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


def _print(figures: dict[str, Any]) -> None:
    anchor = figures["anchor"]
    n = max(figures["scored"], 1)
    rate = n / figures["score_s"]
    bare = n / max(anchor["bare_s"], 1e-9)
    print(f"risk score as of {figures['as_of']}, model {figures['model']}")
    print(f"  trained on a client sample in {figures['train_s']:.1f} s")
    print(
        f"  risk score (load, features, score, reasons, store): {figures['scored']:,} open "
        f"invoices in {figures['score_s']:.1f} s ({figures['score_cpu_s']:.1f} s CPU) = "
        f"{rate:,.0f} rows/s"
    )
    bare_cpu = anchor["bare_cpu_s"]
    print(
        f"  anchor, same rows: load {anchor['load_s']:.1f} s, "
        f"features {anchor['features_s']:.1f} s, bare predict_proba {anchor['bare_s']:.2f} s "
        f"({bare_cpu:.2f} s CPU) = {bare:,.0f} rows/s; ratio {bare / rate:.1f}x wall, "
        f"{figures['score_cpu_s'] / max(bare_cpu, 1e-9):.1f}x CPU"
    )
    print(
        f"  peak RSS {figures['peak_rss_mib']:,.0f} MiB "
        f"({figures['peak_rss_before_scoring_mib']:,.0f} MiB before scoring)"
    )
    print(f"  stored P(late) equals the anchor's for every row: {figures['agree']}")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.risk", description=__doc__)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--source", type=Path, default=None, help="copy this SQLite ledger")
    parser.add_argument("--db", default="sqlite", help="'sqlite' (temporary file) or a URL")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None)
    parser.add_argument("--reuse", action="store_true", help="measure the ledger already at --db")
    parser.add_argument("--train-sample", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=client_batches.BATCH_INVOICES)
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.measure_only:
        figures = measure(args.db, as_of=args.as_of, batch=args.batch, folder=args.data_dir)
        print(json.dumps(figures))
        return 0
    with tempfile.TemporaryDirectory(prefix="paytrack-bench-") as tmp:
        folder = Path(tmp)
        url = _prepare(args, folder)
        engine = make_engine(url)
        try:
            train_s = _train(engine, Settings(database_url=url, data_dir=folder), args)
        finally:
            engine.dispose()
        figures = {"train_s": train_s, **_in_child(url, args, folder)}
    if args.json:
        print(json.dumps(figures))
    else:
        _print(figures)
    return 0 if figures["agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
