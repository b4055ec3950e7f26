"""What the benches share: starting from a prepared ledger file, and peak memory.

Generating a million invoices takes a while; ``--source LEDGER.db`` lets a bench start from a
SQLite ledger written once (by ``paytrack demo`` or a bench) instead. The file itself is never
touched: the bench works on a throw-away copy brought to the current schema.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.db import make_engine
from agent.models import Invoice
from agent.schema import upgrade


def copy_ledger(source: Path, folder: Path) -> str:
    """Copy the SQLite ledger at ``source`` into ``folder``; the copy's database URL."""
    if not source.is_file():
        raise SystemExit(f"--source {source}: no such file")
    target = folder / "ledger.db"
    shutil.copyfile(source, target)
    url = f"sqlite:///{target}"
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return url


def last_issue_date(engine: Engine) -> date:
    """The newest issue date in the ledger: the day a prepared ledger was generated up to."""
    with Session(engine) as session:
        found = session.exec(select(func.max(Invoice.issue_date))).one()
    if found is None:
        raise SystemExit("the ledger holds no invoices")
    return found if isinstance(found, date) else date.fromisoformat(str(found))


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (``ru_maxrss``: KiB on Linux, bytes on macOS)."""
    scale = 2**20 if sys.platform == "darwin" else 2**10
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def add_ledger_arguments(parser: argparse.ArgumentParser, *, default_as_of: date) -> None:
    """The options every ledger bench takes: generate one (size, seed, batch) or copy one."""
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", default="sqlite", help="'sqlite' (temporary file) or a URL")
    parser.add_argument("--source", type=Path, default=None, help="copy this SQLite ledger")
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        help=f"[{default_as_of} when generating, the newest issue date with --source]",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=5_000)
