"""The risk rule for ledger changes: a dispute, promise, extension or partial payment logged
after issue re-scores the invoice, and the new score may use that fact.

Callers that act for a person (API, pages, CLI) pass their settings and get the re-score in the
same transaction; bulk imports pass none and leave scoring to the next scheduled run.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from agent.models import EventKind
from agent.settings import Settings


def after_event(
    session: Session,
    *,
    settings: Settings | None,
    invoice_id: int,
    kind: EventKind,
    as_of: date,
) -> None:
    if settings is None:
        return
    from agent.services.scoring import risk_scoring  # pandas and scikit-learn load only when needed

    session.flush()
    risk_scoring.rescore_after_event(
        session, settings=settings, invoice_id=invoice_id, kind=kind, as_of=as_of
    )
