"""Risk bench: ``python -m bench.risk --invoices 1000000``.

Writes a demo ledger to a throw-away SQLite file, trains on (a sample of) its settled history,
then times, over all invoices at once: loading the history, building features, full scoring
(P(late), interval, band, reasons) and the bare ``predict_proba`` on the same feature matrix.
Prints rows/s for each and the peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from agent.db import make_engine, session_scope
from agent.demo.ledger import generate_ledger
from agent.schema import upgrade
from agent.services.scoring import risk_scoring
from risk.features import FEATURES, build_features
from risk.ledger import NEVER, Ledger
from risk.scoring import score
from risk.training import train_and_evaluate


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--train-sample", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        started = time.perf_counter()
        generate_ledger(engine, invoices=args.invoices, end_date=date(2026, 6, 30), seed=args.seed)
        print(f"generated {args.invoices} invoices in {time.perf_counter() - started:.1f}s")
        started = time.perf_counter()
        with session_scope(engine) as session:
            history = risk_scoring.load_history(session)
        ledger = history.ledger
        load_s = time.perf_counter() - started
        n = len(ledger)
        print(f"load history      {n / load_s:>12,.0f} rows/s  ({load_s:.2f}s)")
        sample = Ledger.from_frames(*_sample_frames(ledger, args.train_sample))
        model = train_and_evaluate(
            sample, version="bench", grace_days=0, min_rows=200, test_share=0.25, coverage=0.8
        ).model
        rows = np.arange(n)
        as_of = ledger.invoices["issue_day"].to_numpy()
        started = time.perf_counter()
        features = build_features(ledger, rows=rows, as_of_days=as_of)
        feat_s = time.perf_counter() - started
        print(f"build features    {n / feat_s:>12,.0f} rows/s  ({feat_s:.2f}s)")
        started = time.perf_counter()
        score(
            model,
            features,
            due_days=ledger.invoices["original_due_day"].to_numpy(),
            as_of_days=as_of,
            grace_days=0,
            medium=0.3,
            high=0.6,
        )
        score_s = time.perf_counter() - started
        print(f"score + reasons   {n / score_s:>12,.0f} rows/s  ({score_s:.2f}s)")
        started = time.perf_counter()
        model.classifier.predict_proba(features[FEATURES])
        bare_s = time.perf_counter() - started
        print(f"bare predict_proba{n / bare_s:>12,.0f} rows/s  ({bare_s:.2f}s)")
        print(f"model {model.metadata['classifier_family']}; peak memory {_peak_mb():,.0f} MB")
        engine.dispose()


def _sample_frames(ledger: Ledger, size: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Whole histories of randomly chosen clients, about ``size`` invoices, for a quick fit.

    Whole clients keep each client's history intact (the features are built from it) and span
    the full two years, so the time split has settled invoices of both outcomes.
    """
    inv = ledger.invoices
    if size < len(ledger):
        clients = inv["client_id"].to_numpy()
        order = np.random.default_rng(0).permutation(np.unique(clients))
        counts = pd.Series(clients).value_counts().reindex(order).to_numpy()
        chosen = order[: int(np.searchsorted(np.cumsum(counts), size)) + 1]
        inv = inv[np.isin(clients, chosen)]
    keep = np.zeros(len(ledger), dtype=bool)
    keep[inv.index.to_numpy()] = True
    frame = inv.assign(
        issue_date=inv["issue_day"].to_numpy().astype("datetime64[D]"),
        due_date=inv["due_day"].to_numpy().astype("datetime64[D]"),
        original_due_date=inv["original_due_day"].to_numpy().astype("datetime64[D]"),
        closed_date=np.where(
            inv["closed_day"].to_numpy() < NEVER,
            inv["closed_day"].to_numpy(),
            np.iinfo("int64").min,
        ).astype("datetime64[D]"),
    )
    pay = ledger.payments[keep[ledger.payments["row"].to_numpy()]]
    ev = ledger.events[keep[ledger.events["row"].to_numpy()]]
    ids = ledger.invoices["invoice_id"].to_numpy()
    payments = {
        "invoice_id": ids[pay["row"].to_numpy()],
        "payment_date": pay["day"].to_numpy().astype("datetime64[D]"),
        "amount_minor": pay["amount_minor"].to_numpy(),
    }
    events = {
        "invoice_id": ids[ev["row"].to_numpy()],
        "kind": ev["kind"].to_numpy(),
        "event_date": ev["day"].to_numpy().astype("datetime64[D]"),
    }
    return frame, pd.DataFrame(payments), pd.DataFrame(events)


if __name__ == "__main__":
    main()
