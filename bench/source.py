"""What the benches share: starting from a prepared ledger file, and peak memory.

Generating a million invoices takes a while; ``--source LEDGER.db`` lets a bench start from a
SQLite ledger written once (by ``paytrack demo`` or a bench) instead. The file itself is never
touched: the bench works on a throw-away copy brought to the current schema, or, with ``--db``
naming an empty PostgreSQL database, on a copy of it there.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import sys
import time
from contextlib import closing
from datetime import date
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select

from agent.db import make_engine
from agent.db_copy import copy_database
from agent.models import Invoice
from agent.schema import upgrade


def copy_ledger(source: Path, folder: Path, *, into: str = "sqlite") -> str:
    """Copy the SQLite ledger at ``source``; the copy's database URL.

    The copy is a consistent snapshot (its WAL included) in ``folder``, brought to the current
    schema. With ``into`` the URL of an empty database of another kind (a bench's ``--db``),
    the snapshot is then copied there by ``paytrack db copy``'s code, and that URL is returned.
    """
    if not source.is_file():
        raise SystemExit(f"--source {source}: no such file")
    started = time.perf_counter()
    target = folder / "ledger.db"
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as reader,
        closing(sqlite3.connect(target)) as writer,
    ):
        reader.backup(writer)
    url = f"sqlite:///{target}"
    snapshot = make_engine(url)
    try:
        upgrade(snapshot)
        if into != "sqlite" and make_url(into).get_backend_name() != "sqlite":
            copied = make_engine(into)
            try:
                upgrade(copied)
                copy_database(snapshot, copied)
            finally:
                copied.dispose()
            url = into
    finally:
        snapshot.dispose()
    elapsed = time.perf_counter() - started
    print(f"copied {source} in {elapsed:.1f} s", file=sys.stderr, flush=True)
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
