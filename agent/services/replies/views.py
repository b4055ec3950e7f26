"""Replies as plain JSON-ready dicts: what the CLI prints, the API returns and the pages show."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from agent.models.reply import ProposedAction, Reply
from agent.services.replies import proposals, replies


def describe(session: Session, items: list[Reply]) -> list[dict[str, Any]]:
    """Each reply with its invoices, classification, proposal and (for "we paid") candidates."""
    linked = replies.invoices_of(session, reply_ids=[r.id for r in items])
    return [_one(session, reply, linked.get(reply.id, [])) for reply in items]


def _one(session: Session, reply: Reply, invoices: list[Any]) -> dict[str, Any]:
    candidates = []
    if reply.proposed_action == ProposedAction.FIND_PAYMENT:
        candidates = [
            {
                "payment_id": p.id,
                "invoice_id": p.invoice_id,
                "amount_minor": p.amount_minor,
                "currency": p.currency,
                "payment_date": p.payment_date.isoformat(),
                "reference": p.reference,
            }
            for p in proposals.payment_candidates(
                session, client_id=reply.client_id, reading=reply.details
            )
        ]
    return {
        "id": reply.id,
        "received_at": reply.received_at.isoformat(),
        "sent_at": reply.sent_at.isoformat(),
        "from": reply.from_addr,
        "from_name": reply.from_name,
        "subject": reply.subject,
        "text": reply.text,
        "html_only": reply.html_only,
        "source": reply.source,
        "client_id": reply.client_id,
        "owner_id": reply.owner_id,
        "match": str(reply.match_method),
        "invoices": [{"id": inv.id, "number": inv.number} for inv in invoices],
        "classification": {
            "intent": str(reply.intent),
            "details": reply.details,
            "confidence": round(reply.confidence, 2),
            "classified_by": reply.classified_by,
        },
        "proposed_action": {"action": str(reply.proposed_action), **reply.action_data},
        "payment_candidates": candidates,
        "status": str(reply.status),
        "postpone_until": reply.postpone_until.isoformat() if reply.postpone_until else None,
        "handled_by": reply.handled_by,
        "outcome": reply.outcome,
    }
