"""Shared pieces of the fault-injection suite: parallel runs and ledger totals."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agent.models import Payment

T = TypeVar("T")


def at_once(tasks: list[Callable[[], T]]) -> list[T]:
    """Run every task in its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(tasks))

    def run(task: Callable[[], T]) -> T:
        barrier.wait()
        return task()

    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        return list(pool.map(run, tasks))


def stored_payments(engine: Engine, *, invoice_id: int | None) -> list[Payment]:
    with Session(engine) as session:
        query = select(Payment).where(Payment.invoice_id == invoice_id).order_by(col(Payment.id))
        return list(session.exec(query))


def paid_total(engine: Engine, *, invoice_id: int | None) -> int:
    with Session(engine) as session:
        query = select(func.coalesce(func.sum(Payment.amount_minor), 0)).where(
            Payment.invoice_id == invoice_id
        )
        return int(session.exec(query).one())
