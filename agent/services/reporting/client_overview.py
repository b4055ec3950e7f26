"""Everything the client page shows: details, the viewer's invoices with their standing, the
payment record, risk, reminders with their outcome, open tasks and the change history.

Invoices and reminders are limited to what the actor may see (``access.ownership``); a client
the actor invoices nothing for is not found.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.models import Client, ClientEvent, Invoice
from agent.models.draft import Draft, DraftInvoice, DraftStatus
from agent.models.notification import FollowUpTask, TaskStatus
from agent.models.outbox import OutboxMessage
from agent.services.access.ownership import owner_scope, scoped
from agent.services.ledger import clients
from agent.services.reporting import invoice_table
from agent.services.reporting.reports_monthly import FOLLOW_UP_DAYS, settled_days
from agent.services.scoring import client_record
from agent.settings import Settings

REMINDERS_SHOWN = 50
INVOICES_SHOWN = 100


@dataclass(frozen=True)
class ReminderLine:
    """One reminder to this client and what followed it."""

    draft: Draft
    invoice_numbers: list[str]
    sent_on: date | None
    outcome: str


@dataclass(frozen=True)
class ClientOverview:
    client: Client
    table: invoice_table.InvoiceTable
    open_owed_minor: dict[str, int]
    record: client_record.PaymentRecord
    worst_band: str | None
    reminders: list[ReminderLine]
    tasks: list[FollowUpTask]
    history: list[ClientEvent]


def _outcome(draft: Draft, sent_on: date | None, paid: dict[int, date], ids: list[int]) -> str:
    if draft.status in (DraftStatus.REJECTED, DraftStatus.SUPERSEDED):
        note = f": {draft.decision_note}" if draft.decision_note else ""
        return f"{'rejected' if draft.status == DraftStatus.REJECTED else 'replaced'}{note}"
    if draft.status == DraftStatus.PENDING_REVIEW:
        return "waiting for review"
    if sent_on is None:
        return "approved, not sent yet"
    days = [(paid[i] - sent_on).days for i in ids if i in paid and paid[i] >= sent_on]
    if ids and len(days) == len(ids):
        late = max(days)
        within = " (within a week)" if late <= FOLLOW_UP_DAYS else ""
        return f"paid {late} day{'s' if late != 1 else ''} later{within}"
    return "not paid since"


def reminders_for(session: Session, *, client_id: int, actor: Actor) -> list[ReminderLine]:
    """The client's reminders the actor may see, newest first, each with its outcome."""
    query = scoped(
        select(Draft)
        .where(Draft.client_id == client_id)
        .order_by(col(Draft.created_at).desc(), col(Draft.id).desc())
        .limit(REMINDERS_SHOWN),
        actor,
        Draft.owner_id,
    )
    drafts = list(session.exec(query))
    ids = [d.id for d in drafts]
    listed: dict[int, list[tuple[int, str]]] = {}
    for draft_id, invoice_id, number in session.exec(
        select(DraftInvoice.draft_id, DraftInvoice.invoice_id, Invoice.number)
        .join(Invoice, col(Invoice.id) == DraftInvoice.invoice_id)
        .where(col(DraftInvoice.draft_id).in_(ids))
    ):
        listed.setdefault(draft_id, []).append((invoice_id, number))
    sent = {
        draft_id: at.date()
        for draft_id, at in session.exec(
            select(OutboxMessage.draft_id, OutboxMessage.sent_at).where(
                col(OutboxMessage.draft_id).in_(ids), col(OutboxMessage.sent_at).is_not(None)
            )
        )
        if draft_id is not None and at is not None
    }
    paid = settled_days(session, {i for rows in listed.values() for i, _ in rows})
    return [
        ReminderLine(
            draft=d,
            invoice_numbers=[n for _, n in listed.get(d.id, [])],
            sent_on=sent.get(d.id),
            outcome=_outcome(d, sent.get(d.id), paid, [i for i, _ in listed.get(d.id, [])]),
        )
        for d in drafts
    ]


def overview(
    session: Session, *, client_id: int, actor: Actor, as_of: date, settings: Settings
) -> ClientOverview:
    """The client page's content as of ``as_of``, limited to what ``actor`` may see."""
    client = clients.get_visible(session, client_id=client_id, actor=actor)
    query = invoice_table.TableQuery(
        as_of=as_of,
        client_id=client_id,
        owner_id=owner_scope(actor),
        sort=invoice_table.TableSort.DUE_DATE,
        descending=True,
        limit=INVOICES_SHOWN,
    )
    table = invoice_table.build(session, query=query, actor=actor)
    open_query = replace(query, status=invoice_table.TableStatus.OPEN, limit=None)
    owed: dict[str, int] = {}
    bands: list[str] = []
    for row in invoice_table.stream(session, query=open_query, actor=actor):
        owed[row.currency] = owed.get(row.currency, 0) + row.outstanding_minor
        if row.risk_band:
            bands.append(row.risk_band)
    tasks = scoped(
        select(FollowUpTask)
        .join(Invoice, col(Invoice.id) == FollowUpTask.invoice_id)
        .where(Invoice.client_id == client_id)
        .where(FollowUpTask.status == TaskStatus.OPEN)
        .order_by(col(FollowUpTask.due_date)),
        actor,
        FollowUpTask.owner_id,
    )
    return ClientOverview(
        client=client,
        table=table,
        open_owed_minor=dict(sorted(owed.items())),
        record=client_record.payment_record(
            session,
            client_id=client_id,
            as_of=as_of,
            grace_days=settings.late_grace_days,
        ),
        worst_band=min(bands, key=lambda b: {"high": 0, "medium": 1}.get(b, 2), default=None),
        reminders=reminders_for(session, client_id=client_id, actor=actor),
        tasks=list(session.exec(tasks)),
        history=clients.history_of(session, client_id=client_id),
    )
