"""The re-score worker: answers the ledger's re-score requests after their writes commit.

Scores are computed in a read-only pass, then stored in one short write transaction that also
claims the requests, so the database's write lock is never held while a model predicts.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from agent.db import hold_write_lock, session_scope
from agent.models.rescore_request import RescoreRequest
from agent.services.scoring import risk_scores
from agent.settings import Settings

if TYPE_CHECKING:
    from agent.services.scoring.risk_scoring import InvoiceRisk

log = logging.getLogger(__name__)

# Requests scored together: one history load and one model pass for ten cost about a sixth of
# ten apart, and a batch this small keeps each pandas step short, so the server's request
# threads never wait long for the GIL behind one.
SCORE_BATCH = 10


def drain(engine: Engine, *, settings: Settings, limit: int = 200) -> int:
    """Answer up to ``limit`` pending requests (the newest per invoice wins); how many taken."""
    from agent.services.scoring import risk_scoring  # pandas and scikit-learn load only when needed

    with session_scope(engine) as session:
        requests = risk_scores.pending_requests(session, limit=limit)
        if not requests:
            return 0
        newest = list({r.invoice_id: r for r in requests}.values())
        scored: list[tuple[RescoreRequest, InvoiceRisk | None]] = []
        for start in range(0, len(newest), SCORE_BATCH):
            batch = newest[start : start + SCORE_BATCH]
            risks = risk_scoring.rescore_all_requested(session, settings=settings, requests=batch)
            scored.extend(zip(batch, risks, strict=True))
    with session_scope(engine) as session:
        # In turn with the API's writers (SQLite): met in SQLite's busy handler instead, each
        # of them would sleep in growing steps while this transaction writes.
        hold_write_lock(session)
        claimed = risk_scores.claim_requests(session, request_ids=[r.id for r in requests])
        for request, risk in scored:
            if risk is not None and request.id in claimed:
                risk_scoring.store_requested(session, request=request, risk=risk)
    return len(requests)


def drain_all(engine: Engine, *, settings: Settings) -> int:
    total = 0
    while taken := drain(engine, settings=settings):
        total += taken
    return total


class RescoreLoop:
    """The worker as a background thread of ``paytrack serve``."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                drain_all(self._engine, settings=self._settings)
            except Exception:  # a database hiccup must not end the worker
                log.exception("re-score pass failed; retrying after the poll interval")
            self._stop.wait(self._settings.rescore_poll_seconds)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="rescore", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
