"""The demo's past follow-up: reminders drafted, decided and sent, and the tasks escalations left.

Written after ``ledger.generate_ledger`` from the invoices and payments it stored, so the
outcomes are true to the ledger: a reminder "worked" exactly when the ledger shows the invoice
paid after it. The rows are those the live system writes (draft, listed invoices, milestone
claim, sent outbox message, history events, follow-up task), so the monthly review's
effectiveness by tone and milestone, the client pages and the task list show real history.
Reminders stop ``QUIET_DAYS`` before the last day, leaving the present to the sweep.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agent.db import session_scope
from agent.demo.ledger import advance_id_sequences
from agent.models import Client, EventKind, Invoice, InvoiceEvent, Lifecycle, Payment, User
from agent.models.draft import Draft, DraftInvoice, DraftStatus, MilestoneClaim, Tone
from agent.models.notification import FollowUpTask, TaskStatus
from agent.models.outbox import OutboxMessage, OutboxStatus
from agent.money import format_plain

MILESTONES = ((3, "overdue_3"), (7, "overdue_7"), (14, "overdue_14"))
ESCALATION_DAYS = 21
QUIET_DAYS = 3
REMINDED_MONTHS_DAYS = 400
REJECT_SHARE = 0.08
REJECT_NOTES = (
    "client called: paying this week",
    "already chased by phone",
    "waiting for the client's purchase order number",
)
TASK_NOTES = (
    "called the client: payment promised for Friday",
    "spoke to accounts payable; invoice was lost, sent it again",
    "agreed a two-part payment plan",
)


@dataclass(frozen=True)
class ReminderHistory:
    sent: int
    rejected: int
    tasks_done: int
    tasks_open: int


def _tone(rng: random.Random, milestone: str) -> Tone:
    """Friendly first, firm last; the middle step varies so tones can be compared."""
    if milestone == "overdue_3":
        return Tone.FRIENDLY
    if milestone == "overdue_7":
        return rng.choice((Tone.FRIENDLY, Tone.FORMAL))
    return rng.choice((Tone.FORMAL, Tone.FIRM))


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _paid_by(payments: list[tuple[date, int]], day: date) -> int:
    return sum(amount for paid_on, amount in payments if paid_on < day)


def _settled_on(payments: list[tuple[date, int]], amount: int) -> date | None:
    running = 0
    for paid_on, paid in payments:
        running += paid
        if running >= amount:
            return paid_on
    return None


def _message(invoice: Invoice, client: Client, outstanding: int, milestone: str) -> str:
    days = milestone.removeprefix("overdue_")
    return (
        f"Dear {client.name},\n\nInvoice {invoice.number} of "
        f"{format_plain(outstanding, invoice.currency)} was due on {invoice.due_date} and is "
        f"now {days} days overdue. Could you let us know when it will be paid?\n\nKind regards"
    )


class _Writer:
    """Adds one reminder (draft, listed invoice, claim, message, events) per milestone."""

    def __init__(self, session: Session, rng: random.Random) -> None:
        self.session = session
        self.rng = rng
        self.sent = self.rejected = 0
        # Explicit ids let the rows go in as batches instead of one flush per draft.
        self.next_id = int(session.exec(select(func.coalesce(func.max(Draft.id), 0))).one()) + 1

    def remind(
        self, invoice: Invoice, client: Client, owner: User, *, milestone: str, day: date, owed: int
    ) -> None:
        rejected = self.rng.random() < REJECT_SHARE
        body = _message(invoice, client, owed, milestone)
        subject = f"Invoice {invoice.number} is overdue"
        draft = Draft(
            id=self.next_id,
            client_id=client.id,
            owner_id=owner.id,
            milestone=milestone,
            tone=_tone(self.rng, milestone),
            tone_reason="demo history",
            language=client.language,
            subject=subject,
            body=body,
            status=DraftStatus.REJECTED if rejected else DraftStatus.SENT,
            suggested_send_at=_at(day),
            drafter="template",
            model="template",
            prompt_version="demo",
            sweep_date=day,
            thread_id=f"demo:{invoice.id}:{milestone}",
            created_at=_at(day, 6),
            decided_at=_at(day, 8),
            decided_by_user_id=owner.id,
            decision_note=self.rng.choice(REJECT_NOTES) if rejected else None,
            final_subject=None if rejected else subject,
            final_body=None if rejected else body,
        )
        self.next_id += 1
        self.session.add(draft)
        self.session.add(
            DraftInvoice(
                draft_id=draft.id,
                invoice_id=invoice.id,
                milestone=milestone,
                outstanding_minor=owed,
                currency=invoice.currency,
                due_date=invoice.due_date,
                days_overdue=(day - invoice.due_date).days,
                invoice_version=invoice.version,
            )
        )
        self.session.add(
            MilestoneClaim(
                invoice_id=invoice.id,
                milestone=milestone,
                due_date=invoice.due_date,
                sweep_date=day,
                thread_id=draft.thread_id,
                draft_id=draft.id,
                created_at=_at(day, 6),
            )
        )
        kind = EventKind.REMINDER_REJECTED if rejected else EventKind.REMINDER_SENT
        self._event(invoice, kind, day, owner, {"draft_id": draft.id, "milestone": milestone})
        if rejected:
            self.rejected += 1
            return
        self.session.add(
            OutboxMessage(
                dedupe_key=f"draft:{draft.id}",
                draft_id=draft.id,
                owner_id=owner.id,
                message_id=f"<demo-{draft.id}@demo.paytrack.example>",
                from_addr=f"{owner.name} <{owner.email}>",
                to_addrs=list(client.contact_emails),
                subject=subject,
                text_body=body,
                html_body="",
                invoice_ids=[invoice.id],
                status=OutboxStatus.SENT,
                send_after=_at(day),
                attempts=1,
                sent_at=_at(day, 10),
                transport="file",
                delivered_to=", ".join(client.contact_emails),
                created_at=_at(day, 8),
            )
        )
        self.sent += 1

    def _event(
        self, invoice: Invoice, kind: EventKind, day: date, owner: User, data: dict[str, object]
    ) -> None:
        self.session.add(
            InvoiceEvent(
                invoice_id=invoice.id,
                kind=str(kind),
                occurred_at=_at(day, 10),
                actor=f"user:{owner.email}",
                actor_user_id=owner.id,
                data=data,
            )
        )


def add_reminder_history(engine: Engine, *, seed: int, end_date: date) -> ReminderHistory:
    """Write the past year's reminders and escalation tasks of the demo ledger in ``engine``."""
    rng = random.Random(seed * 7919 + 14)
    last_day = end_date - timedelta(days=QUIET_DAYS)
    first_due = end_date - timedelta(days=REMINDED_MONTHS_DAYS)
    done = opened = 0
    with session_scope(engine) as session:
        paid: dict[int, list[tuple[date, int]]] = defaultdict(list)
        for invoice_id, day, amount in session.exec(
            select(
                col(Payment.invoice_id), col(Payment.payment_date), col(Payment.amount_minor)
            ).order_by(col(Payment.invoice_id), col(Payment.payment_date), col(Payment.id))
        ):
            paid[invoice_id].append((day, int(amount)))
        clients = {c.id: c for c in session.exec(select(Client))}
        owners = {u.id: u for u in session.exec(select(User))}
        writer = _Writer(session, rng)
        invoices = session.exec(
            select(Invoice)
            .where(col(Invoice.lifecycle).in_([Lifecycle.SENT, Lifecycle.WRITTEN_OFF]))
            .where(Invoice.due_date >= first_due)
            .where(col(Invoice.dispute_opened_date).is_(None))
            .order_by(col(Invoice.id))
        ).all()
        for invoice in invoices:
            payments = paid.get(invoice.id, [])
            settled = _settled_on(payments, invoice.amount_minor)
            client, owner = clients[invoice.client_id], owners[invoice.owner_id]
            for days, milestone in MILESTONES:
                day = invoice.due_date + timedelta(days=days)
                if day > last_day or (settled is not None and settled < day):
                    break
                owed = invoice.amount_minor - _paid_by(payments, day)
                writer.remind(invoice, client, owner, milestone=milestone, day=day, owed=owed)
            day = invoice.due_date + timedelta(days=ESCALATION_DAYS)
            if day > last_day or (settled is not None and settled < day):
                continue
            if invoice.lifecycle == Lifecycle.WRITTEN_OFF:
                continue
            closed = settled is not None or day < end_date - timedelta(days=30)
            session.add(
                FollowUpTask(
                    invoice_id=invoice.id,
                    owner_id=owner.id,
                    reason=f"{ESCALATION_DAYS} days overdue; automatic reminders have stopped — "
                    "contact the client personally",
                    due_date=day,
                    status=TaskStatus.DONE if closed else TaskStatus.OPEN,
                    created_at=_at(day, 6),
                    closed_at=_at(day + timedelta(days=2), 15) if closed else None,
                    close_note=rng.choice(TASK_NOTES) if closed else None,
                    closed_by=f"user:{owner.email}" if closed else None,
                )
            )
            session.add(
                MilestoneClaim(
                    invoice_id=invoice.id,
                    milestone="escalation",
                    due_date=invoice.due_date,
                    sweep_date=day,
                    thread_id=f"escalation:{invoice.id}",
                    created_at=_at(day, 6),
                )
            )
            done += closed
            opened += not closed
        session.flush()
        advance_id_sequences(session.connection(), Draft)
        return ReminderHistory(
            sent=writer.sent, rejected=writer.rejected, tasks_done=done, tasks_open=opened
        )
