"""API benchmark: a generated ledger served by uvicorn, driven by concurrent clients.

    python -m bench.api --invoices 100000 [--db sqlite|URL] [--concurrency 8]
                        [--requests 400] [--max-seconds 30] [--seed 7]

The parent process generates the ledger (``demo_ledger.generate_ledger``) and an API key,
starts the server in a child process on 127.0.0.1 and a driver in a second child process.
The driver runs, one endpoint after another, ``--requests`` requests from ``--concurrency``
concurrent httpx clients (stopping early at ``--max-seconds`` per endpoint) and reports
p50/p99 latency and throughput for: the trivial ``/healthz``, listing overdue invoices (first
page of 50), recording a payment (one minor unit on an open invoice, so every request writes),
and the aging report. Loopback only; nothing is asserted.

Before the timed requests of an endpoint, ``--warmup`` requests from the same clients are
sent and reported apart (``warmup_max_ms``): the first requests of a freshly started server
open its pooled connections and build its statements, which a server that has been up for a
while has long done. With 400 timed requests, p99 is the fourth slowest, so eight cold
requests would make it a figure of start-up rather than of load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session, select

from agent.actor import Actor
from agent.db import make_engine
from agent.demo.ledger import generate_ledger
from agent.models import Invoice, Lifecycle, UserRole
from agent.schema import upgrade
from agent.services.access import api_keys, users
from agent.services.ledger.invoice_search import InvoiceFilter, search
from agent.services.ledger.standing import State
from agent.settings import Settings
from bench.source import copy_ledger

ENDPOINTS = ("healthz", "list_overdue", "record_payment", "aging")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _prepare(
    url: str, *, invoices: int, seed: int, generate: bool = True
) -> tuple[str, list[tuple[int, str]]]:
    """Generate the ledger; return an admin API token and open invoices to pay against."""
    engine = make_engine(url)
    upgrade(engine)
    if generate:
        started = time.perf_counter()
        generate_ledger(engine, invoices=invoices, seed=seed, end_date=date.today())
        elapsed = time.perf_counter() - started
        print(f"generated {invoices} invoices in {elapsed:.1f} s", file=sys.stderr, flush=True)
    with Session(engine, expire_on_commit=False) as session:
        admin = users.create(session, name="Bench", email="bench@example.com", role=UserRole.ADMIN)
        token = api_keys.create(session, user_id=admin.id, scopes=["admin"], name="bench").token
        page = search(
            session,
            where=InvoiceFilter(
                as_of=date.today(), due_soon_days=7, states=[State.OVERDUE, State.NOT_YET_DUE]
            ),
            actor=Actor.system("bench"),
            limit=5_000,
        )
        open_ids = [(hit.invoice.id, hit.invoice.currency) for hit in page.items]
        if not open_ids:
            open_ids = [
                (i.id, i.currency)
                for i in session.exec(
                    select(Invoice).where(Invoice.lifecycle == Lifecycle.SENT).limit(100)
                )
            ]
        session.commit()
    engine.dispose()
    return token, open_ids


def _serve(url: str, port: int) -> None:
    import uvicorn

    from agent.services.scoring.worker import RescoreLoop
    from api import heap
    from api.app import create_app

    settings = Settings(database_url=url)
    app = create_app(settings, run_schedule=False)
    # Re-scores requested by the payments are answered after their commits, as under `serve`.
    RescoreLoop(app.state.engine, settings).start()
    heap.settle()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )


def _request(name: str, n: int, open_ids: list[tuple[int, str]]) -> tuple[str, str, Any]:
    if name == "healthz":
        return "GET", "/healthz", None
    if name == "list_overdue":
        return "GET", "/api/v1/invoices?overdue=true&limit=50", None
    if name == "aging":
        return "GET", "/api/v1/reports/aging", None
    invoice_id, currency = open_ids[n % len(open_ids)]
    body = {"invoice_id": invoice_id, "amount_minor": 1, "currency": currency}
    return "POST", "/api/v1/payments", body


@dataclass
class _Run:
    """Latencies (seconds) and failed requests of one batch of requests to one endpoint."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0


async def _run_requests(
    client: httpx.AsyncClient,
    name: str,
    numbers: range,
    *,
    concurrency: int,
    deadline: float,
    open_ids: list[tuple[int, str]],
) -> _Run:
    run = _Run()
    counter = iter(numbers)

    async def worker() -> None:
        for n in counter:
            if time.perf_counter() > deadline:
                return
            method, path, body = _request(name, n, open_ids)
            start = time.perf_counter()
            try:
                response = await client.request(method, path, json=body)
            except httpx.HTTPError:
                run.errors += 1
                continue
            run.latencies.append(time.perf_counter() - start)
            if response.status_code >= 400:
                run.errors += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return run


async def _drive_one(
    name: str,
    *,
    base: str,
    token: str,
    concurrency: int,
    total: int,
    warmup: int,
    max_seconds: float,
    open_ids: list[tuple[int, str]],
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, timeout=60.0, limits=limits
    ) as client:
        deadline = time.perf_counter() + max_seconds
        cold = await _run_requests(
            client,
            name,
            range(total, total + warmup),
            concurrency=concurrency,
            deadline=deadline,
            open_ids=open_ids,
        )
        started = time.perf_counter()
        timed = await _run_requests(
            client,
            name,
            range(total),
            concurrency=concurrency,
            deadline=started + max_seconds,
            open_ids=open_ids,
        )
        elapsed = time.perf_counter() - started
    latencies = sorted(timed.latencies)
    errors = timed.errors + cold.errors

    def quantile(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return {
        "endpoint": name,
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": quantile(0.50) if latencies else float("nan"),
        "p99_ms": quantile(0.99) if latencies else float("nan"),
        "throughput_rps": len(latencies) / elapsed if elapsed else float("nan"),
        "warmup_requests": len(cold.latencies),
        "warmup_max_ms": max(cold.latencies, default=float("nan")) * 1000,
    }


def _drive(config: dict[str, Any]) -> None:
    results = [
        asyncio.run(
            _drive_one(
                name,
                base=config["base"],
                token=config["token"],
                concurrency=config["concurrency"],
                total=config["requests"],
                warmup=config["warmup"],
                max_seconds=config["max_seconds"],
                open_ids=[tuple(x) for x in config["open_ids"]],
            )
        )
        for name in ENDPOINTS
    ]
    print(json.dumps(results))


def _wait_until_up(base: str, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not come up")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument(
        "--db", default="sqlite", help="'sqlite' (temporary file) or an empty DB URL"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400, help="Per endpoint.")
    parser.add_argument(
        "--warmup", type=int, default=16, help="Unmeasured requests per endpoint first."
    )
    parser.add_argument("--max-seconds", type=float, default=30.0, help="Per endpoint.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--source", type=Path, default=None, help="copy this SQLite ledger")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        url, port = json.loads(args.serve)
        _serve(url, port)
        return
    if args.drive:
        _drive(json.loads(Path(args.drive).read_text()))
        return
    with tempfile.TemporaryDirectory(prefix="paytrack-bench-api-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}" if args.db == "sqlite" else args.db
        if args.source is not None:
            url = copy_ledger(args.source, Path(tmp), into=args.db)
        token, open_ids = _prepare(
            url, invoices=args.invoices, seed=args.seed, generate=args.source is None
        )
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.api", "--serve", json.dumps([url, port])]
        )
        try:
            _wait_until_up(base, server)
            config = Path(tmp) / "drive.json"
            config.write_text(
                json.dumps(
                    {
                        "base": base,
                        "token": token,
                        "concurrency": args.concurrency,
                        "requests": args.requests,
                        "warmup": args.warmup,
                        "max_seconds": args.max_seconds,
                        "open_ids": open_ids,
                    }
                )
            )
            driven = subprocess.run(
                [sys.executable, "-m", "bench.api", "--drive", str(config)],
                capture_output=True,
                text=True,
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    if driven.returncode != 0:
        raise SystemExit(f"the driver failed:\n{driven.stderr}")
    results = json.loads(driven.stdout.strip().splitlines()[-1])
    healthz = next(r for r in results if r["endpoint"] == "healthz")
    for row in results:
        row["p99_ratio_to_healthz"] = row["p99_ms"] / healthz["p99_ms"]
    if args.json:
        print(json.dumps({"invoices": args.invoices, "endpoints": results}))
        return
    print(
        f"\n{args.invoices} invoices, {args.concurrency} concurrent clients, "
        f"up to {args.requests} requests or {args.max_seconds:.0f} s per endpoint, "
        f"after {args.warmup} unmeasured"
    )
    print(
        f"{'endpoint':<16}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}"
        f"{'p99/healthz':>12}{'warm-up max ms':>16}"
    )
    for row in results:
        print(
            f"{row['endpoint']:<16}{row['requests']:>9}{row['errors']:>8}"
            f"{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}{row['throughput_rps']:>9.1f}"
            f"{row['p99_ratio_to_healthz']:>12.1f}{row['warmup_max_ms']:>16.1f}"
        )


if __name__ == "__main__":
    main()
