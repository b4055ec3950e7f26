"""The risk view of a reminder's client, for the tone policy and the draft's risk snapshot.

Scores are read, not computed: ``paytrack risk score`` (run before each sweep by the daily
job and by ``paytrack monitor run``) stores them, so a sweep never loads the whole history.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from agent.services.scoring import client_record, risk_scores
from agent.settings import Settings


def assess(session: Session, *, context: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Worst stored score among the listed invoices, plus the client's payment record."""
    invoice_ids = [row["invoice_id"] for row in context["invoices"]]
    as_of = date.fromisoformat(context["as_of"])
    scores = risk_scores.latest_scores(session, invoice_ids=invoice_ids)
    record = client_record.payment_record(
        session,
        client_id=context["client"]["id"],
        as_of=as_of,
        grace_days=settings.late_grace_days,
    )
    snapshot: dict[str, Any] = {
        "settled_invoices": record.settled,
        "paid_late": record.paid_late,
        "prompt_payer": record.prompt_payer,
        "chronically_late": record.chronically_late,
        "band": None,
        "p_late": None,
        "reasons": [],
        "model_version": None,
    }
    not_yet_due = {row["invoice_id"] for row in context["invoices"] if row["days_overdue"] <= 0}
    ahead = [score for invoice_id, score in scores.items() if invoice_id in not_yet_due]
    # An invoice already past due scores P(late) = 1 by definition; that says nothing new about
    # the account, so only not-yet-due scores move the tone (the payment record covers the rest).
    snapshot["tone_band"] = max(ahead, key=lambda score: score.p_late).band if ahead else None
    if scores:
        worst = max(scores.values(), key=lambda score: score.p_late)
        snapshot.update(
            band=worst.band,
            p_late=round(worst.p_late, 3),
            reasons=list(worst.reasons)[:3],
            model_version=worst.model_version,
            expected_payment_date=worst.expected_payment_date.isoformat(),
            scored_on=worst.as_of_date.isoformat(),
        )
    return snapshot
