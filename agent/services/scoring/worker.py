"""The re-score worker: answers the ledger's re-score requests after their writes commit.

Scores are computed in a read-only pass, then stored in a short write transaction that also
claims the requests, so the database's write lock is never held while a model predicts. Under
``serve`` the worker also waits for a lull in the writes before scoring (``RescoreLoop``).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy.engine import Engine
from sqlmodel import Session

from agent.background import Repeating
from agent.db import hold_write_lock, session_scope
from agent.models.base import utcnow
from agent.models.rescore_request import RescoreRequest
from agent.services.scoring import risk_scores
from agent.settings import Settings

# Requests scored together: one history load and one model pass for ten cost about a sixth of
# ten apart, and a batch this small keeps each pandas step short, so the server's request
# threads never wait long for the GIL behind one.
SCORE_BATCH = 10


def drain(engine: Engine, *, settings: Settings, limit: int = 200) -> int:
    """Answer up to ``limit`` pending requests (the newest per invoice wins); how many taken.

    Each batch is scored, then stored with its claims in a transaction of its own: one write
    for the whole drain held the writer gate while it stored hundreds of scores, and every
    request thread that wanted to write waited behind it.
    """
    from agent.services.scoring import risk_scoring  # pandas and scikit-learn load only when needed

    with session_scope(engine) as session:
        requests = risk_scores.pending_requests(session, limit=limit)
    by_invoice: dict[int, list[RescoreRequest]] = {}
    for request in requests:
        by_invoice.setdefault(request.invoice_id, []).append(request)
    newest = [listed[-1] for listed in by_invoice.values()]
    for start in range(0, len(newest), SCORE_BATCH):
        batch = newest[start : start + SCORE_BATCH]
        with session_scope(engine) as session:
            risks = risk_scoring.rescore_all_requested(session, settings=settings, requests=batch)
        with session_scope(engine) as session:
            # In turn with the API's writers (SQLite): met in SQLite's busy handler instead,
            # each of them would sleep in growing steps while this transaction writes.
            hold_write_lock(session)
            answered = [r.id for newest_one in batch for r in by_invoice[newest_one.invoice_id]]
            claimed = risk_scores.claim_requests(session, request_ids=answered)
            for request, risk in zip(batch, risks, strict=True):
                if risk is not None and request.id in claimed:
                    risk_scoring.store_requested(session, request=request, risk=risk)
    return len(requests)


def drain_all(engine: Engine, *, settings: Settings) -> int:
    total = 0
    while taken := drain(engine, settings=settings):
        total += taken
    return total


def due(engine: Engine, *, settings: Settings, now: datetime) -> bool:
    """Whether requests wait and either stopped arriving ``rescore_quiet_seconds`` ago or the
    oldest has waited ``rescore_max_delay_seconds``.

    Scoring runs in the serving process: done while the writes that ask for it still arrive,
    it competes with them for the interpreter and set the 99th percentile of a burst of
    payments (352 ms against 144 ms without it, 8 writers at 100k).
    """
    with Session(engine) as session:
        window = risk_scores.pending_window(session)
    if window is None:
        return False
    oldest, newest = window
    return (now - newest).total_seconds() >= settings.rescore_quiet_seconds or (
        now - oldest
    ).total_seconds() >= settings.rescore_max_delay_seconds


def drain_when_due(engine: Engine, *, settings: Settings) -> None:
    """Drain while requests are ``due``: one pass of the worker under ``serve``."""
    while due(engine, settings=settings, now=utcnow()) and drain(engine, settings=settings):
        pass


class RescoreLoop(Repeating):
    """The worker as a background thread of ``paytrack serve``."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__(
            "rescore",
            partial(drain_when_due, engine, settings=settings),
            what="re-score pass",
            interval=settings.rescore_poll_seconds,
        )
