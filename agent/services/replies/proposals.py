"""The next step paytrack proposes for a reply, and the payments that may answer "we paid"."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from agent.models import Invoice, Payment
from agent.models.reply import Intent, ProposedAction
from agent.services.replies.reading import Reading

ACTIONS = {
    Intent.PROMISE_TO_PAY: ProposedAction.RECORD_PROMISE,
    Intent.DISPUTE: ProposedAction.OPEN_DISPUTE,
    Intent.CLAIMS_PAID: ProposedAction.FIND_PAYMENT,
    Intent.REQUEST_COPY: ProposedAction.SEND_COPY,
    Intent.QUESTION: ProposedAction.ACKNOWLEDGE,
    Intent.OTHER: ProposedAction.ACKNOWLEDGE,
    Intent.AUTO_REPLY: ProposedAction.NONE,
}
CANDIDATE_DAYS = 10


def propose(reading: Reading, *, invoices: list[Invoice]) -> tuple[ProposedAction, dict[str, Any]]:
    """The proposed action and its data, from the reading and the matched invoices."""
    action = ACTIONS[reading.intent]
    numbers = [inv.number for inv in invoices]
    named = [n for n in reading.invoice_numbers if n in numbers]
    data: dict[str, Any] = {"invoice_numbers": named or numbers}
    details = reading.details()
    if action == ProposedAction.RECORD_PROMISE:
        data["promised_date"] = details.get("date")
    elif action == ProposedAction.OPEN_DISPUTE:
        data["reason"] = reading.reason or "disputed by the client in a reply"
    elif action == ProposedAction.FIND_PAYMENT:
        data |= {
            k: details[k] for k in ("date", "amount_minor", "currency", "reference") if k in details
        }
    return action, data


def payment_candidates(
    session: Session, *, client_id: int | None, reading: dict[str, Any], limit: int = 10
) -> list[Payment]:
    """Recorded payments of the client that may be the one claimed: by reference or amount/date."""
    if client_id is None:
        return []
    query = (
        select(Payment)
        .join(Invoice, col(Invoice.id) == Payment.invoice_id)
        .where(Invoice.client_id == client_id)
    )
    conditions: list[ColumnElement[bool]] = []
    reference = reading.get("reference")
    if reference:
        pattern = f"%{str(reference).replace('%', '')}%"
        conditions += [
            col(Payment.reference).ilike(pattern),
            col(Payment.external_id).ilike(pattern),
        ]
    amount = reading.get("amount_minor")
    if amount:
        conditions.append(col(Payment.amount_minor) == int(amount))
    if reading.get("date"):
        day = date.fromisoformat(reading["date"])
        window = timedelta(days=CANDIDATE_DAYS)
        conditions.append(col(Payment.payment_date).between(day - window, day + window))
    if not conditions:
        return []
    query = query.where(or_(*conditions)).order_by(col(Payment.payment_date).desc()).limit(limit)
    return list(session.exec(query))
