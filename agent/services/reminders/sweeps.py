"""The scheduled sweep: find invoices at a reminder milestone, claim them once, hand them on.

Client groups are claimed a batch at a time, in one short transaction per batch, re-read under
lock before acting; a batch that meets another sweep's claim is retried client by client, so
one contested client never stops the rest. A milestone is claimed with an insert into
``milestone_claim`` whose unique key (invoice, milestone, due date) makes a second sweep — on
this machine or another against the same PostgreSQL — fail to claim instead of drafting twice.
Claims are committed before drafting starts and held by a lease (``sweep_lease_seconds``); a
claim left without a draft after its lease ran out (a crash mid-way) is taken over by the next
sweep under the same thread id, and one that failed here is released for the next sweep at once.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, func, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.db import session_scope
from agent.models import Client, Invoice, Lifecycle
from agent.models.base import utcnow
from agent.models.draft import Draft, DraftStatus, MilestoneClaim
from agent.models.notification import FollowUpTask, NotificationKind
from agent.services.ledger import invoices
from agent.services.ledger.standing import Standing, State, derive
from agent.services.notices import notifications
from agent.services.reminders import collection, milestones
from agent.services.reminders.milestones import ESCALATION, Schedule
from agent.services.replies import replies
from agent.services.review import drafts
from agent.services.scoring import risk_scores
from agent.services.webhooks import webhooks
from agent.settings import Settings
from risk.timing import PRE_DUE_DAYS, overdue_offsets

SWEEP_ACTOR = Actor.system("sweep")
log = logging.getLogger(__name__)


class DraftPipeline(Protocol):
    """Turns the claims of one thread into a draft awaiting review (the LangGraph agent)."""

    def start(self, *, thread_id: str, as_of: date, new: bool = False) -> int | None:
        """Run the thread to its draft; ``new``: its caller has just made it, so it holds no
        earlier run to resume or to find already drafted."""
        ...


@dataclass
class SweepReport:
    as_of: date
    clients_seen: int = 0
    invoices_seen: int = 0
    drafts_created: int = 0
    invoices_drafted: int = 0
    escalations: int = 0
    notifications: int = 0
    resumed_threads: int = 0
    claimed_elsewhere: int = 0
    collection_handovers: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ClaimedThread:
    """A client's drafting claims, committed and held for this sweep to draft."""

    thread_id: str
    invoices_claimed: int


@dataclass
class BatchOutcome:
    """What one transaction of the group pass did, over one or more client groups."""

    threads: list[ClaimedThread] = field(default_factory=list)
    escalations: int = 0
    notifications: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


def candidate_groups(
    session: Session, *, as_of: date, settings: Settings, batch_size: int = 2_000
) -> Iterator[tuple[int, list[int]]]:
    """(client id, invoice ids) for open invoices near or past due, streamed client by client."""
    horizon = as_of + timedelta(
        days=max(settings.reminder_max_pre_due_days, settings.due_soon_days)
    )
    query = (
        select(Invoice.client_id, Invoice.id)
        .where(Invoice.lifecycle == Lifecycle.SENT)
        .where(Invoice.issue_date <= as_of)
        .where(Invoice.due_date <= horizon)
        .where(invoices.paid_as_of(as_of) < Invoice.amount_minor)
        .order_by(col(Invoice.client_id), col(Invoice.due_date), col(Invoice.id))
    )
    current_client: int | None = None
    ids: list[int] = []
    for client_id, invoice_id in session.exec(query.execution_options(yield_per=batch_size)):
        if client_id != current_client and ids:
            yield current_client, ids  # type: ignore[misc]
            ids = []
        current_client = client_id
        ids.append(invoice_id)
    if ids and current_client is not None:
        yield current_client, ids


def _recently_contacted(
    session: Session, *, client_ids: list[int], as_of: date, days: int
) -> set[int]:
    """Those of ``client_ids`` with a reminder approved or sent in the last ``days`` days."""
    if days <= 0 or not client_ids:
        return set()
    since = datetime.combine(as_of - timedelta(days=days), datetime.min.time(), tzinfo=UTC)
    query = (
        select(Draft.client_id)
        .where(col(Draft.client_id).in_(client_ids))
        .where(col(Draft.status).in_([DraftStatus.APPROVED, DraftStatus.SENT]))
        .where(col(Draft.decided_at) > since)
        .distinct()
    )
    return set(session.exec(query))


def _claims_by_invoice(
    session: Session, invoices: list[Invoice]
) -> dict[int, list[MilestoneClaim]]:
    query = select(MilestoneClaim).where(
        col(MilestoneClaim.invoice_id).in_([inv.id for inv in invoices])
    )
    claims: dict[int, list[MilestoneClaim]] = {}
    for claim in session.exec(query):
        claims.setdefault(claim.invoice_id, []).append(claim)
    return claims


def _risk_timing(
    session: Session, *, due_dates: dict[int, date], settings: Settings, schedule: Schedule
) -> dict[int, tuple[int, tuple[int, ...]]]:
    """Per invoice, from its latest risk band: days before due for the pre-due reminder, and
    the days after due on which its overdue reminders fall (``risk.timing``).

    High-risk accounts are asked earlier and chased sooner, reliable payers later; the setting
    ``reminder_max_pre_due_days`` caps the pre-due days and ``reminder_pre_due_days`` is the
    floor.
    """
    scores = risk_scores.latest_scores(session, invoice_ids=list(due_dates))
    return {
        invoice_id: (
            min(
                max(PRE_DUE_DAYS.get(score.band, 0), settings.reminder_pre_due_days),
                settings.reminder_max_pre_due_days,
            ),
            overdue_offsets(
                score.band,
                schedule.overdue_days,
                expected_days_late=(score.expected_payment_date - due_dates[invoice_id]).days,
            ),
        )
        for invoice_id, score in scores.items()
    }


def skip_reason(
    invoice: Invoice, client: Client, *, state: State, as_of: date, pending: set[int]
) -> str | None:
    """Why no reminder may go out for this invoice today, or None when one may."""
    if state not in (State.OVERDUE, State.DUE_SOON, State.NOT_YET_DUE):
        return str(state)
    if invoices.paused_on(invoice, as_of):
        return "paused"
    if client.reminders_paused:
        return "client_paused"
    if invoice.promised_date is not None and invoice.promised_date >= as_of:
        return "promise_pending"
    if invoice.id in pending:
        return "pending_draft"
    return None


def _emit_overdue(session: Session, *, invoice: Invoice, standing: Standing) -> None:
    """invoice.overdue for webhook subscribers, once per invoice and due date."""
    webhooks.emit(
        session,
        event=webhooks.INVOICE_OVERDUE,
        data={
            "invoice_id": invoice.id,
            "invoice_number": invoice.number,
            "client_id": invoice.client_id,
            "owner_id": invoice.owner_id,
            "due_date": invoice.due_date.isoformat(),
            "days_overdue": standing.days_overdue,
            "outstanding_minor": standing.balance_minor,
            "currency": invoice.currency,
        },
        owner_id=invoice.owner_id,
        event_id=f"invoice.overdue:{invoice.id}:{invoice.due_date.isoformat()}",
    )


# A client id and its candidate invoice ids, as ``candidate_groups`` yields them.
Group = tuple[int, list[int]]


def process_groups(
    session: Session,
    *,
    groups: list[Group],
    as_of: date,
    settings: Settings,
    schedule: Schedule,
    lease_until: datetime | None = None,
) -> BatchOutcome:
    """Claim these clients' due milestones; escalate where reminders have run out.

    Every look-up is one query for all the groups (a sweep's cost is its round trips, not its
    rows); what each client gets is decided client by client. Drafting claims are held until
    ``lease_until``; another sweep leaves them alone till then.
    """
    client_ids = [client_id for client_id, _ids in groups]
    # Each invoice is judged as part of the group it was found in, as when a group was claimed
    # alone, even if its row now names another client.
    group_of = {invoice_id: client_id for client_id, ids in groups for invoice_id in ids}
    all_ids = list(group_of)
    clients_by_id = {
        client.id: client
        for client in session.exec(select(Client).where(col(Client.id).in_(client_ids)))
    }
    rows = session.exec(
        select(Invoice, invoices.paid_as_of(as_of))
        .where(col(Invoice.id).in_(all_ids))
        .order_by(col(Invoice.due_date), col(Invoice.id))
        .with_for_update(of=Invoice)
    ).all()
    pending = drafts.withdraw_stale(
        session,
        invoice_ids=all_ids,
        as_of=as_of,
        due_soon_days=settings.due_soon_days,
        actor=SWEEP_ACTOR,
    )
    in_hand = [invoice for invoice, _paid in rows]
    claims = _claims_by_invoice(session, in_hand)
    timing = _risk_timing(
        session,
        due_dates={invoice.id: invoice.due_date for invoice in in_hand},
        settings=settings,
        schedule=schedule,
    )
    # A client who answered and waits for a person (or is away) is not chased meanwhile.
    held = replies.holding_clients(session, client_ids=client_ids, as_of=as_of)
    followed_up = notifications.followed_up(session, invoices=in_hand)
    outcome = BatchOutcome()
    notices: list[notifications.Notice] = []
    to_claim: dict[int, list[tuple[Invoice, str]]] = {client_id: [] for client_id in client_ids}
    for invoice, paid_sum in rows:
        standing = derive(
            invoice, paid_minor=int(paid_sum), as_of=as_of, due_soon_days=settings.due_soon_days
        )
        notices += notifications.for_standing(
            invoice, standing=standing, settings=settings, followed_up=invoice.id in followed_up
        )
        if standing.state == State.OVERDUE:
            _emit_overdue(session, invoice=invoice, standing=standing)
        client_id = group_of[invoice.id]
        reason = skip_reason(
            invoice, clients_by_id[client_id], state=standing.state, as_of=as_of, pending=pending
        )
        if reason is None:
            reason = held.get(client_id)
        if reason is None:
            reason, milestone = _due_milestone(
                invoice,
                as_of=as_of,
                schedule=schedule,
                timing=timing.get(invoice.id),
                claims=claims.get(invoice.id, []),
            )
        if reason is not None:
            outcome.skipped[reason] += 1
            continue
        to_claim[client_id].append((invoice, milestone))
    contacted = _recently_contacted(
        session,
        client_ids=[c for c, due in to_claim.items() if any(m != ESCALATION for _i, m in due)],
        as_of=as_of,
        days=settings.min_days_between_contacts,
    )
    for client_id, due in to_claim.items():
        drafting = sum(milestone != ESCALATION for _invoice, milestone in due)
        if drafting and client_id in contacted:
            outcome.skipped["recently_contacted"] += drafting
            due = [(invoice, milestone) for invoice, milestone in due if milestone == ESCALATION]
            drafting = 0
        thread_id = f"reminder:{client_id}:{as_of.isoformat()}:{uuid.uuid4().hex[:12]}"
        for invoice, milestone in due:
            _claim(
                session,
                invoice=invoice,
                milestone=milestone,
                as_of=as_of,
                thread_id=thread_id,
                lease_until=lease_until,
            )
            if milestone == ESCALATION:
                outcome.escalations += 1
                notices.append(_escalate(session, invoice=invoice, as_of=as_of))
        if drafting:
            outcome.threads.append(ClaimedThread(thread_id=thread_id, invoices_claimed=drafting))
    outcome.notifications = notifications.notify_many(session, notices)
    session.flush()
    return outcome


def _due_milestone(
    invoice: Invoice,
    *,
    as_of: date,
    schedule: Schedule,
    timing: tuple[int, tuple[int, ...]] | None,
    claims: list[MilestoneClaim],
) -> tuple[str | None, str]:
    """(why not, "") when no milestone is due for this invoice today, else (None, milestone)."""
    milestone = milestones.reached(
        schedule,
        due_date=invoice.due_date,
        as_of=as_of,
        pre_due_days=timing[0] if timing else None,
        overdue_offsets=timing[1] if timing else None,
    )
    if milestone is None:
        return "between_milestones", ""
    done = [c for c in claims if c.due_date == invoice.due_date]
    if any(
        milestones.rank(schedule, c.milestone) >= milestones.rank(schedule, milestone) for c in done
    ):
        return "already_handled", ""
    return None, milestone


def _claim(
    session: Session,
    *,
    invoice: Invoice,
    milestone: str,
    as_of: date,
    thread_id: str,
    lease_until: datetime | None,
) -> None:
    escalation = milestone == ESCALATION
    session.add(
        MilestoneClaim(
            invoice_id=invoice.id,
            milestone=milestone,
            due_date=invoice.due_date,
            sweep_date=as_of,
            thread_id=f"escalation:{invoice.id}" if escalation else thread_id,
            lease_until=None if escalation else lease_until,
        )
    )


def _escalate(session: Session, *, invoice: Invoice, as_of: date) -> notifications.Notice:
    """Reminders have run out: a follow-up task for the owner, and the notice telling them."""
    days = (as_of - invoice.due_date).days
    session.add(
        FollowUpTask(
            invoice_id=invoice.id,
            owner_id=invoice.owner_id,
            reason=(
                f"{days} days overdue; automatic reminders have stopped — contact the client "
                "personally"
            ),
            due_date=as_of,
        )
    )
    return notifications.Notice(
        owner_id=invoice.owner_id,
        kind=NotificationKind.ESCALATION,
        invoice=invoice,
        message=(
            f"Invoice {invoice.number} is {days} days overdue; reminders have stopped and a "
            "follow-up task is open for you."
        ),
    )


def _lease_expired(now: datetime) -> ColumnElement[bool]:
    lease = col(MilestoneClaim.lease_until)
    return or_(lease.is_(None), lease < now)


def orphan_threads(session: Session, *, now: datetime) -> list[tuple[str, date]]:
    """Threads whose claims have no draft and whose sweep's lease has run out (a crash)."""
    query = (
        select(MilestoneClaim.thread_id, func.min(MilestoneClaim.sweep_date))
        .where(col(MilestoneClaim.draft_id).is_(None))
        .where(MilestoneClaim.milestone != ESCALATION)
        .where(_lease_expired(now))
        .group_by(MilestoneClaim.thread_id)
    )
    return [(thread, day) for thread, day in session.exec(query)]


def take_over(session: Session, *, thread_id: str, now: datetime, lease_until: datetime) -> bool:
    """Hold an abandoned thread's claims until ``lease_until``; False when another sweep has."""
    result = session.execute(
        update(MilestoneClaim)
        .where(col(MilestoneClaim.thread_id) == thread_id)
        .where(col(MilestoneClaim.draft_id).is_(None))
        .where(_lease_expired(now))
        .values(lease_until=lease_until)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(engine: Engine, *, thread_id: str, now: datetime) -> None:
    """Give a thread back after drafting failed here, so the next sweep retries it at once."""
    with session_scope(engine) as session:
        session.execute(
            update(MilestoneClaim)
            .where(col(MilestoneClaim.thread_id) == thread_id)
            .where(col(MilestoneClaim.draft_id).is_(None))
            .values(lease_until=now)
        )


def run(
    engine: Engine,
    *,
    as_of: date,
    settings: Settings,
    pipeline: DraftPipeline,
    now: datetime | None = None,
) -> SweepReport:
    """One sweep over the whole ledger as of ``as_of``; the report counts what it did itself."""
    schedule = Schedule.from_settings(settings)
    report = SweepReport(as_of=as_of)
    moment = now or utcnow()
    lease_until = moment + timedelta(seconds=settings.sweep_lease_seconds)
    with session_scope(engine) as session:
        orphans = orphan_threads(session, now=moment)
    for thread_id, day in orphans:
        with session_scope(engine) as session:
            held = take_over(session, thread_id=thread_id, now=moment, lease_until=lease_until)
        if not held:
            report.claimed_elsewhere += 1
            continue
        if _draft(pipeline, engine, report, thread_id=thread_id, as_of=day, now=moment, new=False):
            report.resumed_threads += 1
    with Session(engine) as reader:
        groups = candidate_groups(reader, as_of=as_of, settings=settings)
        for batch in _batches(groups, clients=settings.sweep_batch_clients):
            report.clients_seen += len(batch)
            report.invoices_seen += sum(len(ids) for _client, ids in batch)
            outcomes = _claim_batch(
                engine,
                report,
                batch=batch,
                as_of=as_of,
                settings=settings,
                schedule=schedule,
                lease_until=lease_until,
            )
            for outcome in outcomes:
                report.skipped.update(outcome.skipped)
                report.escalations += outcome.escalations
                report.notifications += outcome.notifications
                for thread in outcome.threads:
                    thread_id = thread.thread_id
                    if _draft(
                        pipeline,
                        engine,
                        report,
                        thread_id=thread_id,
                        as_of=as_of,
                        now=moment,
                        new=True,
                    ):
                        report.invoices_drafted += thread.invoices_claimed
    report.collection_handovers = _open_handovers(engine, as_of=as_of, settings=settings)
    return report


def _batches(
    groups: Iterator[Group], *, clients: int, invoices: int = 1_000
) -> Iterator[list[Group]]:
    """Client groups gathered up to ``clients`` clients or ``invoices`` invoices at a time."""
    batch: list[Group] = []
    size = 0
    for group in groups:
        batch.append(group)
        size += len(group[1])
        if len(batch) >= clients or size >= invoices:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _claim_batch(
    engine: Engine,
    report: SweepReport,
    *,
    batch: list[Group],
    as_of: date,
    settings: Settings,
    schedule: Schedule,
    lease_until: datetime,
) -> list[BatchOutcome]:
    """Claim a batch of client groups in one transaction, committed before any is drafted.

    When another sweep holds or has claimed any of them, the batch is retried client by
    client, each in its own transaction, so only the contested clients are left out.
    """
    try:
        with session_scope(engine) as session:
            return [
                process_groups(
                    session,
                    groups=batch,
                    as_of=as_of,
                    settings=settings,
                    schedule=schedule,
                    lease_until=lease_until,
                )
            ]
    except (IntegrityError, OperationalError) as exc:
        if len(batch) == 1:
            log.info("client %s claimed by another sweep: %s", batch[0][0], type(exc).__name__)
            report.claimed_elsewhere += 1
            return []
    outcomes: list[BatchOutcome] = []
    for group in batch:
        outcomes += _claim_batch(
            engine,
            report,
            batch=[group],
            as_of=as_of,
            settings=settings,
            schedule=schedule,
            lease_until=lease_until,
        )
    return outcomes


def _draft(
    pipeline: DraftPipeline,
    engine: Engine,
    report: SweepReport,
    *,
    thread_id: str,
    as_of: date,
    now: datetime,
    new: bool,
) -> bool:
    """Run one held thread to its draft; True when this sweep stored it."""
    try:
        draft_id = pipeline.start(thread_id=thread_id, as_of=as_of, new=new)
    except IntegrityError:  # a concurrent sweep stored this thread's draft first
        log.info("thread %s drafted by another sweep", thread_id)
        report.claimed_elsewhere += 1
        return False
    except Exception as exc:  # one client's failure must not stop the sweep
        log.exception("drafting failed for thread %s", thread_id)
        report.failures.append(f"{thread_id}: {exc}")
        release(engine, thread_id=thread_id, now=now)
        return False
    if draft_id is None:
        return False
    report.drafts_created += 1
    return True


def _open_handovers(engine: Engine, *, as_of: date, settings: Settings) -> int:
    """Each due hand-over in its own transaction; another sweep's win is no error."""
    with Session(engine) as reader:
        due = collection.due_for_handover(reader, as_of=as_of, settings=settings)
    opened = 0
    for invoice_id in due:
        try:
            with session_scope(engine) as session:
                case = collection.open_handover(
                    session,
                    invoice_id=invoice_id,
                    as_of=as_of,
                    settings=settings,
                    actor=Actor.system("scheduler"),
                )
        except IntegrityError:
            continue
        opened += case is not None
    return opened
