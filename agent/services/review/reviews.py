"""The review rules shared by the pages, the JSON API and the CLI: who decides, what a queue shows.

Order of an approval (the transactional outbox):

1. ``approve`` locks the draft, checks the decider and that the draft still matches the ledger,
   records the decision (who, when, final text) and inserts the outbox row — all in the caller's
   one transaction. The outbox row's unique key (``draft:{id}``) is the send guard.
2. After the commit, the caller resumes the agent's paused thread
   (``agent.runtime.resume_thread``). The graph only routes on the stored decision and never
   enqueues, so a crash between 1 and 2, a second resume or a double-submitted approve never
   adds a second message.
3. The sender (``outbox.deliver_due``) delivers the row at its send time (see ``outbox``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.db import session_scope
from agent.drafting.edit_check import check_edit
from agent.drafting.facts import locale_for
from agent.errors import (
    DraftAlreadyDecided,
    DraftNotFound,
    DraftStale,
    EditRefused,
    Forbidden,
    InvalidDate,
    InvalidInput,
)
from agent.models import Client, Invoice, InvoiceEvent, Payment, User, UserRole
from agent.models.base import utcnow
from agent.models.draft import Draft, DraftInvoice, DraftStatus, MilestoneClaim, Tone
from agent.models.notification import NotificationKind
from agent.services.access import users
from agent.services.access.ownership import owner_scope, require_admin, require_owner
from agent.services.charges import claims
from agent.services.ledger import history, invoices, payments
from agent.services.ledger.standing import Standing
from agent.services.notices import notifications
from agent.services.review import draft_facts, drafts, fresh, outbox
from agent.settings import Settings

RISK_RANK = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class QueueItem:
    """One row of a review queue: the draft, its invoices as stated and as they are now."""

    draft: Draft
    client: Client
    owner: User
    invoices: list[tuple[DraftInvoice, Invoice]]
    stale_reasons: list[str]

    @property
    def risk_band(self) -> str | None:
        return (self.draft.risk_snapshot or {}).get("band")

    @property
    def risk_reasons(self) -> list[str]:
        return [str(r) for r in (self.draft.risk_snapshot or {}).get("reasons") or []]

    @property
    def outstanding_minor(self) -> int:
        return sum(listed.outstanding_minor for listed, _ in self.invoices)

    @property
    def currency(self) -> str:
        currencies = {listed.currency for listed, _ in self.invoices}
        return currencies.pop() if len(currencies) == 1 else "mixed"

    @property
    def invoice_numbers(self) -> list[str]:
        return [invoice.number for _, invoice in self.invoices]


def actor_for(viewer: User) -> Actor:
    return Actor.person(user_id=viewer.id, email=viewer.email, admin=is_admin(viewer))


def is_admin(viewer: User) -> bool:
    return viewer.role == UserRole.ADMIN


def queue(
    session: Session,
    *,
    viewer: User,
    owner_id: int | None = None,
    status: DraftStatus = DraftStatus.PENDING_REVIEW,
    as_of: date,
    settings: Settings,
    include_snoozed: bool = False,
) -> list[QueueItem]:
    """Owners see their own drafts; admins everyone's (or one owner's with ``owner_id``).

    Ordered by suggested send time, then risk (high first), then amount (largest first).
    Snoozed drafts stay out of the pending queue until their day comes.
    """
    if owner_id not in (None, viewer.id):
        require_admin(actor_for(viewer), doing="see another owner's queue", field="owner_id")
    owner_id = owner_scope(actor_for(viewer)) if owner_id is None else owner_id
    listed = drafts.list_drafts(session, status=status, owner_id=owner_id, limit=1_000)
    if status == DraftStatus.PENDING_REVIEW and not include_snoozed:
        listed = [d for d in listed if d.snoozed_until is None or d.snoozed_until <= as_of]
    items = _items(session, listed, as_of=as_of, settings=settings)
    items.sort(
        key=lambda item: (
            item.draft.suggested_send_at,
            RISK_RANK.get(item.risk_band or "", 3),
            -item.outstanding_minor,
            item.draft.id,
        )
    )
    return items


def item(
    session: Session, *, draft_id: int, viewer: User, as_of: date, settings: Settings
) -> QueueItem:
    """One draft as a queue row, for a viewer allowed to decide on it."""
    draft = drafts.get(session, draft_id=draft_id)
    require_decider(session, viewer=viewer, draft=draft)
    return _items(session, [draft], as_of=as_of, settings=settings)[0]


def _items(
    session: Session, listed: list[Draft], *, as_of: date, settings: Settings
) -> list[QueueItem]:
    if not listed:
        return []
    ids = [d.id for d in listed]
    rows = session.exec(
        select(DraftInvoice, Invoice)
        .join(Invoice, col(Invoice.id) == DraftInvoice.invoice_id)
        .where(col(DraftInvoice.draft_id).in_(ids))
        .order_by(col(DraftInvoice.due_date), col(Invoice.number))
    ).all()
    by_draft: dict[int, list[tuple[DraftInvoice, Invoice]]] = {}
    for listed_invoice, invoice in rows:
        by_draft.setdefault(listed_invoice.draft_id, []).append((listed_invoice, invoice))
    clients = {
        c.id: c
        for c in session.exec(
            select(Client).where(col(Client.id).in_({d.client_id for d in listed}))
        )
    }
    owners = {
        u.id: u
        for u in session.exec(select(User).where(col(User.id).in_({d.owner_id for d in listed})))
    }
    items = []
    for draft in listed:
        stale = (
            drafts.staleness(
                session, draft=draft, as_of=as_of, due_soon_days=settings.due_soon_days
            )
            if draft.status == DraftStatus.PENDING_REVIEW
            else []
        )
        items.append(
            QueueItem(
                draft=draft,
                client=clients[draft.client_id],
                owner=owners[draft.owner_id],
                invoices=by_draft.get(draft.id, []),
                stale_reasons=stale,
            )
        )
    return items


def require_decider(session: Session, *, viewer: User, draft: Draft) -> None:
    """Raises unless the access rule lets the viewer act on the draft's every invoice.

    Another owner's draft is reported as not found, as every owner-scoped row is.
    """
    if not viewer.is_active:
        raise Forbidden("this account is disabled", field="user")
    actor = actor_for(viewer)
    owner_ids = {
        invoice.owner_id for _, invoice in drafts.listed_invoices(session, draft_id=draft.id)
    } or {draft.owner_id}
    for owner_id in owner_ids:
        require_owner(
            actor, owner_id, not_found=DraftNotFound(f"no draft with id {draft.id}", field="draft")
        )


def _lock(session: Session, *, draft_id: int) -> Draft:
    """The draft, write-locked so that two decisions on it run one after the other.

    The no-op UPDATE comes first: on SQLite it takes the database write lock before the row
    is read (a read first would let two requests both see "pending"); on PostgreSQL it locks
    the row like ``FOR UPDATE``.
    """
    session.exec(update(Draft).where(col(Draft.id) == draft_id).values(id=Draft.id))
    drafts.get(session, draft_id=draft_id)
    query = (
        select(Draft)
        .where(Draft.id == draft_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.exec(query).one()


def _require_pending(draft: Draft) -> None:
    if draft.status != DraftStatus.PENDING_REVIEW:
        raise DraftAlreadyDecided(f"draft {draft.id} is already {draft.status!s}", field="draft")


def stale_reasons(session: Session, *, draft: Draft, as_of: date, settings: Settings) -> list[str]:
    return drafts.staleness(session, draft=draft, as_of=as_of, due_soon_days=settings.due_soon_days)


def approve(
    session: Session,
    *,
    draft_id: int,
    viewer: User,
    settings: Settings,
    final_subject: str | None = None,
    final_body: str | None = None,
    send_now: bool = False,
    as_of: date | None = None,
    actor: Actor | None = None,
) -> Draft:
    """Record the approval (with any edits) and enqueue the e-mail in the same transaction.

    ``actor`` names who acted when it is not the viewer in person (an API key of theirs).
    """
    draft = _lock(session, draft_id=draft_id)
    require_decider(session, viewer=viewer, draft=draft)
    _require_pending(draft)
    if final_subject is not None and not final_subject.strip():
        raise InvalidInput("the subject is empty", field="final_subject")
    if final_body is not None and not final_body.strip():
        raise InvalidInput("the message is empty", field="final_body")
    client = session.get_one(Client, draft.client_id)
    if not client.contact_emails:
        raise InvalidInput(
            f"client {client.name!r} has no contact e-mail; add one before approving",
            field="contact_emails",
        )
    day = as_of or date.today()
    reasons = stale_reasons(session, draft=draft, as_of=day, settings=settings)
    if reasons:
        raise DraftStale("; ".join(reasons) + " — ask for a fresh draft", field="draft")
    _check_edit(session, draft, subject=final_subject, body=final_body)
    decided = drafts.decide(
        session,
        draft_id=draft.id,
        decision=drafts.Decision.APPROVE,
        actor=actor or actor_for(viewer),
        final_subject=final_subject,
        final_body=final_body,
        note="send now" if send_now else None,
        as_of=day,
        due_soon_days=settings.due_soon_days,
    )
    decided.snoozed_until = None
    outbox.enqueue_for_draft(session, draft=decided, settings=settings, send_now=send_now)
    claims.claim_for_draft(
        session,
        draft=decided,
        body=decided.final_body or decided.body,
        locale=locale_for(decided.language, client.country),
        actor=actor or actor_for(viewer),
    )
    return decided


def _check_edit(session: Session, draft: Draft, *, subject: str | None, body: str | None) -> None:
    """An edited text passes the draft's guardrails, or nothing is stored (``EditRefused``)."""
    final_subject = (subject or draft.subject).strip()
    final_body = (body or draft.body).strip()
    if (final_subject, final_body) == (draft.subject.strip(), draft.body.strip()):
        return
    facts = draft_facts.for_draft(session, draft=draft)
    # Only what the edit introduces: the drafted text already passed the guardrails when written.
    before = set(check_edit(facts, subject=draft.subject, body=draft.body))
    violations = [
        v for v in check_edit(facts, subject=final_subject, body=final_body) if v not in before
    ]
    if violations:
        raise EditRefused(violations)


def reject(
    session: Session, *, draft_id: int, viewer: User, reason: str, actor: Actor | None = None
) -> Draft:
    """Close the draft with the reviewer's reason; nothing is sent."""
    draft = _lock(session, draft_id=draft_id)
    require_decider(session, viewer=viewer, draft=draft)
    _require_pending(draft)
    return drafts.decide(
        session,
        draft_id=draft.id,
        decision=drafts.Decision.REJECT,
        actor=actor or actor_for(viewer),
        note=reason,
    )


def snooze(
    session: Session, *, draft_id: int, viewer: User, until: date, actor: Actor | None = None
) -> Draft:
    """Hide a pending draft from the queue until ``until``; it still blocks a new draft."""
    draft = _lock(session, draft_id=draft_id)
    require_decider(session, viewer=viewer, draft=draft)
    _require_pending(draft)
    if until <= date.today():
        raise InvalidDate("snooze until a day after today", field="until")
    draft.snoozed_until = until
    session.add(draft)
    _note_on_invoices(
        session, draft, "reminder_snoozed", actor or actor_for(viewer), {"until": until.isoformat()}
    )
    session.flush()
    return draft


def _note_on_invoices(
    session: Session, draft: Draft, kind: str, actor: Actor, data: dict[str, Any]
) -> None:
    for _listed, invoice in drafts.listed_invoices(session, draft_id=draft.id):
        history.record(
            session,
            invoice=invoice,
            kind=kind,
            actor=actor,
            data={"draft_id": draft.id, **data},
            bump_version=False,
        )


@dataclass(frozen=True)
class RedraftStart:
    """A redraft under way: the old thread to close and the new one to draft."""

    old_thread: str
    new_thread: str
    as_of: date
    tone: str | None


def begin_redraft(
    engine: Engine,
    *,
    draft_id: int,
    viewer: User,
    settings: Settings,
    tone: Tone | None = None,
    as_of: date | None = None,
) -> RedraftStart:
    """Supersede a pending draft; its still-remindable invoices' claims move to a new thread.

    No new claim is made, so the exactly-once guard of the sweep still holds. The caller
    (``agent.runtime.redraft``) then closes the old thread and drafts the new one.
    """
    day = as_of or date.today()
    new_thread = f"redraft:{draft_id}:{uuid.uuid4().hex[:12]}"
    with session_scope(engine) as session:
        old = _lock(session, draft_id=draft_id)
        require_decider(session, viewer=viewer, draft=old)
        _require_pending(old)
        client = session.get_one(Client, old.client_id)
        keep = {
            invoice.id
            for _listed, invoice in drafts.listed_invoices(session, draft_id=old.id)
            if fresh.remindable(
                session, invoice, client, as_of=day, due_soon_days=settings.due_soon_days
            )
        }
        if not keep:
            raise DraftStale(
                "none of the draft's invoices is still open, undisputed, unpaused and "
                "without a pending promise to pay — there is nothing to remind about",
                field="draft",
            )
        claims = session.exec(
            select(MilestoneClaim).where(MilestoneClaim.thread_id == old.thread_id)
        ).all()
        for claim in claims:
            if claim.invoice_id in keep:
                claim.thread_id = new_thread
                claim.draft_id = None
                session.add(claim)
        old.status = DraftStatus.SUPERSEDED
        old.decided_at = utcnow()
        old.decided_by_user_id = viewer.id
        old.decision_note = f"redraft requested (tone: {tone or 'agent choice'})"
        session.add(old)
        _note_on_invoices(session, old, "reminder_redrafted", actor_for(viewer), {"tone": tone})
        return RedraftStart(
            old_thread=old.thread_id,
            new_thread=new_thread,
            as_of=day,
            tone=str(tone) if tone else None,
        )


def finish_redraft(engine: Engine, *, draft_id: int, new_id: int | None) -> int:
    """Link the superseded draft to its successor; ``DraftStale`` when none was written."""
    if new_id is None:
        raise DraftStale("the agent found nothing left to remind about", field="draft")
    with session_scope(engine) as session:
        old = drafts.get(session, draft_id=draft_id)
        old.superseded_by_id = new_id
        session.add(old)
    return new_id


def decision_payload(draft: Draft) -> dict[str, Any]:
    """What the paused thread is resumed with; the decision itself is already stored."""
    status = {
        DraftStatus.APPROVED: "approve",
        DraftStatus.SENT: "approve",
        DraftStatus.REJECTED: "reject",
        DraftStatus.SUPERSEDED: "superseded",
    }.get(draft.status, str(draft.status))
    return {
        "decision": status,
        "draft_id": draft.id,
        "reason": draft.decision_note,
        "decided_by_user_id": draft.decided_by_user_id,
    }


def stored_decision(engine: Engine, *, draft_id: int) -> tuple[str, dict[str, Any]] | None:
    """(thread id, resume payload) of a decided draft; None while it awaits review."""
    with session_scope(engine) as session:
        draft = drafts.get(session, draft_id=draft_id)
        if draft.status == DraftStatus.PENDING_REVIEW:
            return None
        return draft.thread_id, decision_payload(draft)


def reassign_owner(session: Session, *, invoice_id: int, owner_id: int, actor: Actor) -> Invoice:
    """The one way to give an invoice another owner (admins only): its pending drafts move
    with it, and both the previous and the new owner are notified."""
    require_admin(actor, doing="reassign owners", field="owner_id")
    previous = users.get(
        session, user_id=invoices.get(session, invoice_id=invoice_id, actor=actor).owner_id
    )
    new = users.get(session, user_id=owner_id)
    invoice = invoices.set_owner(session, invoice_id=invoice_id, owner_id=owner_id, actor=actor)
    pending = session.exec(
        select(Draft)
        .join(DraftInvoice, col(DraftInvoice.draft_id) == Draft.id)
        .where(DraftInvoice.invoice_id == invoice_id)
        .where(Draft.status == DraftStatus.PENDING_REVIEW)
    ).all()
    for draft in pending:
        draft.owner_id = owner_id
        session.add(draft)
    if previous.id != new.id:
        for notified in (previous.id, new.id):
            notifications.notify(
                session,
                owner_id=notified,
                kind=NotificationKind.REASSIGNED,
                invoice=invoice,
                message=f"invoice {invoice.number} moved from {previous.email} to {new.email}",
                data={"from": previous.email, "to": new.email},
                dedupe_key=f"reassigned:{invoice.id}:v{invoice.version}:{notified}",
            )
    session.flush()
    return invoice


@dataclass(frozen=True)
class InvoiceView:
    """An invoice with everything its page shows: standing, full history, payments, drafts."""

    invoice: Invoice
    client: Client
    owner: User
    standing: Standing
    events: list[InvoiceEvent]
    payments: list[Payment]
    drafts: list[Draft]


def invoice_view(
    session: Session, *, invoice_id: int, viewer: User, as_of: date, settings: Settings
) -> InvoiceView:
    invoice = invoices.get(session, invoice_id=invoice_id, actor=actor_for(viewer))
    listed = session.exec(
        select(Draft)
        .join(DraftInvoice, col(DraftInvoice.draft_id) == Draft.id)
        .where(DraftInvoice.invoice_id == invoice_id)
        .order_by(col(Draft.created_at).desc())
    ).all()
    return InvoiceView(
        invoice=invoice,
        client=session.get_one(Client, invoice.client_id),
        owner=session.get_one(User, invoice.owner_id),
        standing=invoices.standing(
            session, invoice=invoice, as_of=as_of, due_soon_days=settings.due_soon_days
        ),
        events=history.list_for_invoice(session, invoice_id=invoice_id),
        payments=payments.list_for_invoice(session, invoice_id=invoice_id),
        drafts=list(listed),
    )
