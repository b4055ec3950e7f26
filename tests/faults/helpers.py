"""Shared pieces of the fault-injection suite: a served app, parallel runs, ledger totals."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

import uvicorn
from fastapi import FastAPI
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agent.models import Payment

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """The app behind a real uvicorn socket on 127.0.0.1; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(1000):  # wait for the socket, not for a time
            if server.started:
                break
            time.sleep(0.01)
        assert server.started
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


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
