"""Reminder drafts: storing what the agent wrote, listing the queue, recording decisions.

The draft row is the source of truth for the review queue. A decision is stored here first;
only then is the agent's paused thread resumed with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, insert, update
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.errors import (
    DraftAlreadyDecided,
    DraftNotFound,
    DraftStale,
    InvalidInput,
    PaytrackError,
)
from agent.models import EventKind, Invoice, Lifecycle
from agent.models.base import utcnow
from agent.models.draft import Draft, DraftInvoice, DraftStatus, MilestoneClaim, Tone
from agent.services.ledger import history, invoices
from agent.services.webhooks import webhooks


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


@dataclass(frozen=True)
class ListedInvoice:
    """One invoice as a draft states it."""

    invoice_id: int
    number: str
    milestone: str
    outstanding_minor: int
    currency: str
    due_date: date
    days_overdue: int
    invoice_version: int

    @classmethod
    def from_context(cls, row: dict[str, Any]) -> ListedInvoice:
        """From one invoice of ``reminder_context.for_thread``'s JSON."""
        return cls(
            invoice_id=row["invoice_id"],
            number=row["number"],
            milestone=row["milestone"],
            outstanding_minor=row["outstanding_minor"],
            currency=row["currency"],
            due_date=date.fromisoformat(row["due_date"]),
            days_overdue=row["days_overdue"],
            invoice_version=row["invoice_version"],
        )


@dataclass(frozen=True)
class NewDraft:
    """Everything the agent decided and wrote for one client's reminder."""

    thread_id: str
    client_id: int
    owner_id: int
    milestone: str
    tone: Tone
    tone_reason: str
    language: str
    subject: str
    body: str
    risk_snapshot: dict[str, Any]
    suggested_send_at: datetime
    drafter: str
    model: str
    prompt_version: str
    fallback_reason: str | None
    broken_promise_date: date | None
    sweep_date: date
    invoices: list[ListedInvoice]


def subject_with_numbers(subject: str, numbers: list[str]) -> str:
    """The subject naming every listed invoice; applied when stored, so the reviewer sees it."""
    missing = [n for n in numbers if n not in subject]
    return f"{subject} ({', '.join(missing)})" if missing else subject


def find_by_thread(session: Session, *, thread_id: str) -> Draft | None:
    """The thread's draft, if stored. Its id is looked up first: nearly every thread asked
    about has none yet, and a whole draft row costs a sweep more to describe than to find."""
    draft_id = session.exec(select(Draft.id).where(Draft.thread_id == thread_id)).first()
    return None if draft_id is None else session.get(Draft, draft_id)


def store(session: Session, new: NewDraft, *, actor: Actor) -> Draft:
    """Save the draft, link its invoices and claims, and note it in each invoice's history.

    Idempotent per thread: a re-run of the same thread returns the draft already stored.
    """
    existing = find_by_thread(session, thread_id=new.thread_id)
    if existing is not None:
        return existing
    listed_ids = [listed.invoice_id for listed in new.invoices]
    if not listed_ids:
        raise InvalidInput("a draft lists at least one invoice", field="invoices")
    draft = Draft(
        thread_id=new.thread_id,
        client_id=new.client_id,
        owner_id=new.owner_id,
        milestone=new.milestone,
        tone=new.tone,
        tone_reason=new.tone_reason,
        language=new.language,
        subject=subject_with_numbers(new.subject, [listed.number for listed in new.invoices]),
        body=new.body,
        risk_snapshot=new.risk_snapshot,
        suggested_send_at=new.suggested_send_at,
        drafter=new.drafter,
        model=new.model,
        prompt_version=new.prompt_version,
        fallback_reason=new.fallback_reason,
        broken_promise_date=new.broken_promise_date,
        sweep_date=new.sweep_date,
    )
    session.add(draft)
    session.flush()
    if not actor.sees_all:  # the access rule; otherwise the foreign key proves they exist
        invoices.get_many(session, invoice_ids=listed_ids, actor=actor)
    session.execute(
        insert(DraftInvoice),
        [
            {
                "draft_id": draft.id,
                "invoice_id": listed.invoice_id,
                "milestone": listed.milestone,
                "outstanding_minor": listed.outstanding_minor,
                "currency": listed.currency,
                "due_date": listed.due_date,
                "days_overdue": listed.days_overdue,
                "invoice_version": listed.invoice_version,
            }
            for listed in new.invoices
        ],
    )
    session.execute(
        update(MilestoneClaim)
        .where(col(MilestoneClaim.thread_id) == new.thread_id)
        .values(draft_id=draft.id)
    )
    history.note_many(
        session,
        kind=EventKind.REMINDER_DRAFTED,
        actor=actor,
        data_by_invoice={
            listed.invoice_id: {
                "draft_id": draft.id,
                "milestone": listed.milestone,
                "tone": str(new.tone),
                "drafter": new.drafter,
            }
            for listed in new.invoices
        },
    )
    webhooks.emit(
        session,
        event=webhooks.DRAFT_CREATED,
        data=_draft_event(draft, listed_ids),
        owner_id=draft.owner_id,
        event_id=f"draft.created:{draft.id}",
    )
    return draft


def _draft_event(draft: Draft, invoice_ids: list[int]) -> dict[str, Any]:
    """What webhook receivers learn about a draft: ids and status, never the mail text."""
    return {
        "draft_id": draft.id,
        "client_id": draft.client_id,
        "owner_id": draft.owner_id,
        "milestone": draft.milestone,
        "status": str(draft.status),
        "invoice_ids": invoice_ids,
    }


def get(session: Session, *, draft_id: int) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise DraftNotFound(f"no draft with id {draft_id}", field="draft")
    return draft


def listed_invoices(session: Session, *, draft_id: int) -> list[tuple[DraftInvoice, Invoice]]:
    query = (
        select(DraftInvoice, Invoice)
        .join(Invoice, col(Invoice.id) == DraftInvoice.invoice_id)
        .where(DraftInvoice.draft_id == draft_id)
        .order_by(col(DraftInvoice.due_date), col(Invoice.number))
    )
    return list(session.exec(query).all())


def list_drafts(
    session: Session,
    *,
    status: DraftStatus | None = None,
    owner_id: int | None = None,
    limit: int = 200,
) -> list[Draft]:
    """Drafts by suggested send time, the highest risk first within the same time."""
    query = select(Draft).order_by(col(Draft.suggested_send_at), col(Draft.id))
    if status is not None:
        query = query.where(Draft.status == status)
    if owner_id is not None:
        query = query.where(Draft.owner_id == owner_id)
    return list(session.exec(query.limit(limit)))


def staleness(session: Session, *, draft: Draft, as_of: date, due_soon_days: int) -> list[str]:
    """Why the draft can no longer be sent as written; empty when it still matches the ledger."""
    reasons: list[str] = []
    for listed, invoice in listed_invoices(session, draft_id=draft.id):
        standing = invoices.standing(
            session, invoice=invoice, as_of=as_of, due_soon_days=due_soon_days
        )
        if invoice.lifecycle in (Lifecycle.VOID, Lifecycle.WRITTEN_OFF):
            reasons.append(f"invoice {invoice.number} is {invoice.lifecycle!s}")
        elif standing.outstanding_minor == 0 and standing.paid_minor >= invoice.amount_minor:
            reasons.append(f"invoice {invoice.number} has been paid")
        elif invoice.dispute_opened_date is not None:
            reasons.append(f"invoice {invoice.number} is disputed")
        elif invoices.paused_on(invoice, as_of):
            reasons.append(f"reminders for invoice {invoice.number} are paused")
        elif invoice.version != listed.invoice_version:
            reasons.append(f"invoice {invoice.number} changed after the draft was written")
    return reasons


def decide(
    session: Session,
    *,
    draft_id: int,
    decision: Decision,
    actor: Actor,
    note: str | None = None,
    final_subject: str | None = None,
    final_body: str | None = None,
    as_of: date | None = None,
    due_soon_days: int = 7,
) -> Draft:
    """Record a person's decision on a pending draft: who, when, and the final text."""
    draft = get(session, draft_id=draft_id)
    if draft.status != DraftStatus.PENDING_REVIEW:
        raise DraftAlreadyDecided(f"draft {draft_id} is already {draft.status!s}")
    if actor.user_id is None:
        raise PaytrackError("only a signed-in person can decide on a draft", field="actor")
    if decision == Decision.REJECT:
        if not (note or "").strip():
            raise InvalidInput("a rejection needs a reason", field="reason")
        draft.status = DraftStatus.REJECTED
    else:
        stale = staleness(
            session, draft=draft, as_of=as_of or date.today(), due_soon_days=due_soon_days
        )
        if stale:
            raise DraftStale("; ".join(stale) + " — ask for a fresh draft", field="draft")
        draft.status = DraftStatus.APPROVED
        draft.final_subject = (final_subject or draft.subject).strip()
        draft.final_body = (final_body or draft.body).strip()
    draft.decided_at = utcnow()
    draft.decided_by_user_id = actor.user_id
    draft.decision_note = (note or "").strip() or None
    session.add(draft)
    kind = (
        EventKind.REMINDER_APPROVED if decision == Decision.APPROVE else EventKind.REMINDER_REJECTED
    )
    for _listed, invoice in listed_invoices(session, draft_id=draft.id):
        history.record(
            session,
            invoice=invoice,
            kind=kind,
            actor=actor,
            data={"draft_id": draft.id, "note": draft.decision_note},
            bump_version=False,
        )
    session.flush()
    invoice_ids = [invoice.id for _listed, invoice in listed_invoices(session, draft_id=draft.id)]
    webhooks.emit(
        session,
        event=webhooks.DRAFT_DECIDED,
        data=_draft_event(draft, invoice_ids) | {"decided_by_user_id": draft.decided_by_user_id},
        owner_id=draft.owner_id,
        event_id=f"draft.decided:{draft.id}",
    )
    return draft


def awaiting_review(draft_id: Any) -> ColumnElement[bool]:
    """True where the draft (an id or the outer query's draft id column) awaits review.

    A look-up by primary key: its cost does not grow with the number of pending drafts, as a
    join on ``status`` let SQLite's planner walk every pending draft (``ix_draft_status``).
    """
    return (
        select(Draft.id)
        .where(Draft.id == draft_id, Draft.status == DraftStatus.PENDING_REVIEW)
        .exists()
    )


def on_pending_draft(invoice_id: Any) -> ColumnElement[bool]:
    """True where the invoice (an id or the outer query's id column) is on a pending draft;
    looked up by the invoice (``ix_draft_invoice_invoice_id``), then each draft by its key."""
    return (
        select(DraftInvoice.id)
        .where(DraftInvoice.invoice_id == invoice_id, awaiting_review(DraftInvoice.draft_id))
        .exists()
    )


def withdraw_stale(
    session: Session, *, invoice_ids: list[int], as_of: date, due_soon_days: int, actor: Actor
) -> set[int]:
    """Withdraw pending drafts for these invoices that no longer match the ledger; returns
    those of ``invoice_ids`` still on a pending draft (the sweep leaves them alone).

    A stale draft cannot be approved; left pending it would block every later reminder for
    its invoices. The reason is recorded on the draft and in each invoice's history.
    """
    # No status test in this query: on statistics taken before a sweep wrote its drafts,
    # PostgreSQL drove it from every pending draft (ix_draft_status) for each client group.
    links = session.exec(
        select(DraftInvoice.draft_id, DraftInvoice.invoice_id).where(
            col(DraftInvoice.invoice_id).in_(invoice_ids)
        )
    ).all()
    if not links:
        return set()
    listed_here: dict[int, set[int]] = {}
    for draft_id, invoice_id in links:
        listed_here.setdefault(draft_id, set()).add(invoice_id)
    pending = session.exec(
        select(Draft).where(col(Draft.id).in_(list(listed_here))).order_by(col(Draft.id))
    )
    still_pending: set[int] = set()
    for draft in pending:
        if draft.status != DraftStatus.PENDING_REVIEW:
            continue
        reasons = staleness(session, draft=draft, as_of=as_of, due_soon_days=due_soon_days)
        if not reasons:
            still_pending |= listed_here[draft.id]
            continue
        draft.status = DraftStatus.WITHDRAWN
        draft.decided_at = utcnow()
        draft.decision_note = "withdrawn automatically: " + "; ".join(reasons)
        session.add(draft)
        listed = listed_invoices(session, draft_id=draft.id)
        for _row, invoice in listed:
            history.record(
                session,
                invoice=invoice,
                kind=EventKind.REMINDER_WITHDRAWN,
                actor=actor,
                data={"draft_id": draft.id, "reason": draft.decision_note},
                bump_version=False,
            )
        webhooks.emit(
            session,
            event=webhooks.DRAFT_DECIDED,
            data=_draft_event(draft, [invoice.id for _row, invoice in listed]),
            owner_id=draft.owner_id,
            event_id=f"draft.decided:{draft.id}",
        )
    session.flush()
    return still_pending
