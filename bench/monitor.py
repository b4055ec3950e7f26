"""Sweep benchmark: time, drafts created and peak memory of one sweep at ledger sizes.

    python -m bench.monitor --invoices 1000000

Generates a demo ledger (SQLite file in a temporary folder unless --database-url is given),
then runs one sweep as of the ledger's last day with the offline template drafter. Memory is
sampled as peak RSS growth during the sweep; with --sizes it repeats at several sizes so that
"memory stays flat as the ledger grows" can be read off the table.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

from agent.db import make_engine
from agent.demo.ledger import generate_ledger
from agent.runtime import open_pipeline
from agent.schema import upgrade
from agent.services.reminders import sweeps
from agent.settings import Settings


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_once(
    invoices: int, *, seed: int, end_date: date, database_url: str | None
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        started = time.perf_counter()
        ledger = generate_ledger(engine, invoices=invoices, seed=seed, end_date=end_date)
        generated = time.perf_counter() - started
        settings = Settings(database_url=url, data_dir=Path(folder), openai_api_key="")
        rss_before = _peak_rss_mib()
        started = time.perf_counter()
        with open_pipeline(engine, settings) as pipeline:
            report = sweeps.run(engine, as_of=end_date, settings=settings, pipeline=pipeline)
        swept = time.perf_counter() - started
        rss_growth = _peak_rss_mib() - rss_before
        engine.dispose()
    return {
        "invoices": ledger.invoices,
        "generate_s": generated,
        "sweep_s": swept,
        "candidates": report.invoices_seen,
        "drafts": report.drafts_created,
        "invoices_drafted": report.invoices_drafted,
        "escalations": report.escalations,
        "peak_rss_growth_mib": rss_growth,
        "peak_rss_mib": _peak_rss_mib(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--sizes", type=int, nargs="*", help="run at several ledger sizes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--end-date", type=date.fromisoformat, default=date(2026, 11, 20))
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    sizes = args.sizes or [args.invoices]
    print(
        f"{'invoices':>10} {'generate s':>11} {'sweep s':>9} {'candidates':>11} {'drafts':>7} "
        f"{'drafted inv':>12} {'escalations':>12} {'RSS growth MiB':>15} {'peak RSS MiB':>13}"
    )
    for size in sizes:
        row = run_once(size, seed=args.seed, end_date=args.end_date, database_url=args.database_url)
        print(
            f"{row['invoices']:>10} {row['generate_s']:>11.1f} {row['sweep_s']:>9.1f} "
            f"{row['candidates']:>11} {row['drafts']:>7} {row['invoices_drafted']:>12} "
            f"{row['escalations']:>12} {row['peak_rss_growth_mib']:>15.1f} "
            f"{row['peak_rss_mib']:>13.1f}"
        )


if __name__ == "__main__":
    main()
