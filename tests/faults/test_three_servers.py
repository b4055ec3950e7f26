"""Three servers on one database: the daily sweep runs once, webhooks are delivered once each."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.db import session_scope
from agent.models.draft import Draft
from agent.models.scheduled_run import ScheduledRun
from agent.services.webhooks import webhooks
from tests.factories import make_client, make_invoice, make_user

DUE = date(2026, 3, 2)
DAY = DUE + timedelta(days=7)
ROOT = Path(__file__).parents[2]


@pytest.fixture
def receiver() -> Iterator[tuple[str, Counter[str]]]:
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                seen[self.headers["Paytrack-Delivery"]] += 1
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", seen
    server.shutdown()
    server.server_close()


def test_three_servers_sweep_once_and_deliver_each_webhook_once(
    engine: Engine, database_url: str, tmp_path: Path, receiver: tuple[str, Counter[str]]
) -> None:
    url, seen = receiver
    with session_scope(engine) as session:
        owner = make_user(session)
        for n in range(6):
            client = make_client(session, name=f"Server client {n}")
            make_invoice(
                session, client=client, owner=owner, issue_date=date(2026, 1, 1), due_date=DUE
            )
        webhooks.create_subscription(
            session,
            url=url,
            events=[webhooks.INVOICE_OVERDUE, webhooks.DRAFT_CREATED],
            created_by_user_id=owner.id,
        )
    go = tmp_path / "go"
    command = [sys.executable, "-m", "tests.faults.server_tick", database_url, str(tmp_path)]
    servers = [
        subprocess.Popen(
            [*command, DAY.isoformat(), str(go)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(3)
    ]
    go.touch()
    results = []
    for server in servers:
        out, err = server.communicate(timeout=300)
        assert server.returncode == 0, err.decode()[-3000:]
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    assert sorted(r["swept"] for r in results) == [False, False, True]
    assert sum(r["drafts"] for r in results) == 6
    with Session(engine) as session:
        assert len(session.exec(select(Draft)).all()) == 6
        [run] = session.exec(select(ScheduledRun)).all()
    assert (run.job, run.run_date, run.finished_at is not None) == ("daily-sweep", DAY, True)
    assert len(seen) == 12  # six overdue invoices, six drafts
    assert set(seen.values()) == {1}
    assert sum(r["delivered"] for r in results) == 12
