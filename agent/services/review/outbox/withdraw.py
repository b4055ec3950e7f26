"""Stopping an approved e-mail before it leaves: held by the send-time check, cancelled, or sent
back to the review queue by a person. Each is recorded in the listed invoices' history and
emitted as a webhook event. Services only flush.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from agent.actor import Actor
from agent.errors import DraftNotFound, InvalidInput
from agent.models import EventKind
from agent.models.draft import Draft, DraftStatus
from agent.models.notification import NotificationKind
from agent.models.outbox import OutboxMessage, OutboxStatus
from agent.services.access.ownership import require_owner
from agent.services.ledger import history
from agent.services.notices import notifications
from agent.services.review import drafts
from agent.services.review.outbox.enqueue import find_for_draft
from agent.services.review.outbox.send_check import SendCheck
from agent.services.webhooks import webhooks

# What a person may still stop: approved and not (possibly) on its way.
# An unconfirmed message may have arrived: a person confirms or re-sends it instead.
STOPPABLE = (OutboxStatus.PENDING, OutboxStatus.HELD, OutboxStatus.FAILED)


def _record(
    session: Session,
    *,
    draft: Draft,
    row: OutboxMessage,
    kind: EventKind,
    event: str,
    actor: Actor,
    reason: str,
) -> None:
    data: dict[str, Any] = {"draft_id": draft.id, "message_id": row.message_id, "reason": reason}
    invoice_ids = []
    for _listed, invoice in drafts.listed_invoices(session, draft_id=draft.id):
        history.record(
            session, invoice=invoice, kind=kind, actor=actor, data=data, bump_version=False
        )
        invoice_ids.append(invoice.id)
    webhooks.emit(
        session,
        event=event,
        data={**data, "invoice_ids": invoice_ids, "actor": actor.label, "status": draft.status},
        owner_id=draft.owner_id,
        event_id=f"{event}:{row.id}:{row.attempts}:{draft.status}",
    )


def hold(session: Session, *, row: OutboxMessage, check: SendCheck, actor: Actor) -> None:
    """The send-time check failed: hold the message (or cancel it when nothing is owed)."""
    assert row.draft_id is not None, "only a reminder's e-mail is checked at send time"
    draft = drafts.get(session, draft_id=row.draft_id)
    cancelled = not check.still_owed
    row.status = OutboxStatus.CANCELLED if cancelled else OutboxStatus.HELD
    row.hold_reason = check.reason
    row.phase = None
    row.lease_until = None
    session.add(row)
    draft.status = DraftStatus.CANCELLED if cancelled else DraftStatus.HELD
    draft.decision_note = f"not sent: {check.reason}"
    session.add(draft)
    kind = EventKind.REMINDER_CANCELLED if cancelled else EventKind.REMINDER_HELD
    event = webhooks.REMINDER_CANCELLED if cancelled else webhooks.REMINDER_HELD
    _record(session, draft=draft, row=row, kind=kind, event=event, actor=actor, reason=check.reason)
    listed = drafts.listed_invoices(session, draft_id=draft.id)
    what = "cancelled" if cancelled else "held for you"
    notifications.notify(
        session,
        owner_id=draft.owner_id,
        kind=NotificationKind.REMINDER_HELD,
        invoice=listed[0][1],
        message=f"An approved reminder was {what} before sending: {check.reason}.",
        data={"draft_id": draft.id},
        dedupe_key=f"reminder_held:{row.id}:{row.attempts}",
    )
    session.flush()


def _stoppable(session: Session, *, draft_id: int, actor: Actor) -> tuple[Draft, OutboxMessage]:
    draft = drafts.get(session, draft_id=draft_id)
    require_owner(actor, draft.owner_id, not_found=DraftNotFound(f"no draft with id {draft_id}"))
    row = find_for_draft(session, draft_id=draft_id)
    if row is None or row.status not in STOPPABLE:
        state = f"its e-mail is {row.status}" if row is not None else f"it is {draft.status}"
        raise InvalidInput(
            f"draft {draft_id} has no approved e-mail waiting to leave ({state})", field="draft"
        )
    return draft, row


def cancel(session: Session, *, draft_id: int, actor: Actor, reason: str) -> Draft:
    """A person withdraws an approved, unsent e-mail for good."""
    if not reason.strip():
        raise InvalidInput("cancelling needs a reason", field="reason")
    draft, row = _stoppable(session, draft_id=draft_id, actor=actor)
    row.status = OutboxStatus.CANCELLED
    row.hold_reason = f"cancelled by {actor.label}: {reason.strip()}"
    session.add(row)
    draft.status = DraftStatus.CANCELLED
    draft.decision_note = row.hold_reason
    session.add(draft)
    _record(
        session,
        draft=draft,
        row=row,
        kind=EventKind.REMINDER_CANCELLED,
        event=webhooks.REMINDER_CANCELLED,
        actor=actor,
        reason=reason.strip(),
    )
    session.flush()
    return draft


def back_to_queue(session: Session, *, draft_id: int, actor: Actor, reason: str = "") -> Draft:
    """A person takes back an approval: the e-mail is withdrawn and the draft awaits review.

    The withdrawn row keeps its record under a retired key, so a new approval enqueues afresh
    (with the same Message-ID: the withdrawn one never left).
    """
    draft, row = _stoppable(session, draft_id=draft_id, actor=actor)
    draft.status = DraftStatus.PENDING_REVIEW
    draft.decided_at = None
    draft.decided_by_user_id = None
    draft.decision_note = reason.strip() or None
    draft.final_subject = None
    draft.final_body = None
    session.add(draft)
    _record(
        session,
        draft=draft,
        row=row,
        kind=EventKind.REMINDER_REQUEUED,
        event=webhooks.REMINDER_REQUEUED,
        actor=actor,
        reason=reason.strip() or "back to the review queue",
    )
    row.status = OutboxStatus.CANCELLED
    row.hold_reason = f"sent back to the review queue by {actor.label}"
    row.dedupe_key = f"withdrawn:{row.id}:{row.dedupe_key}"
    row.message_id = f"<withdrawn-{row.id}.{row.message_id.strip('<>')}>"
    session.add(row)
    session.flush()
    return draft
