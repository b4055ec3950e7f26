"""The ledger's note that an invoice changed in a way its risk score should know.

A dispute, promise, extension or partial payment logged after issue asks for a re-score. The
request is one row written in the ledger's own transaction; the scoring worker reads it after
that commits and scores in a transaction of its own, so no write ever waits on a model.
Callers acting for a person pass their settings; bulk imports pass none and leave scoring to
the next scheduled run.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from agent.models import EventKind, RescoreRequest
from agent.settings import Settings

RESCORE_EVENTS = frozenset(
    {
        EventKind.DISPUTE_OPENED,
        EventKind.DISPUTE_RESOLVED,
        EventKind.PROMISE_RECORDED,
        EventKind.PAYMENT_RECORDED,
        EventKind.PAYMENT_REVERSED,
        EventKind.DUE_DATE_EXTENDED,
    }
)


def request_rescore(
    session: Session,
    *,
    settings: Settings | None,
    invoice_id: int,
    kind: EventKind,
    as_of: date,
) -> None:
    if settings is None or kind not in RESCORE_EVENTS:
        return
    session.add(RescoreRequest(invoice_id=invoice_id, kind=str(kind), as_of_date=as_of))
