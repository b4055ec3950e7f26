"""The sweep: milestones, exactly-once claims, grouping per client, and every skip rule.

The pipeline here stores a plain draft for each claimed thread (no graph, no writer), so these
tests pin the ledger side of the sweep; tests/agent covers the graph on top.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.db import session_scope
from agent.models.draft import Draft, DraftStatus, MilestoneClaim, Tone
from agent.models.notification import FollowUpTask, Notification
from agent.services.ledger import clients, invoices
from agent.services.reminders import milestones, reminder_context, sweeps
from agent.services.reminders.milestones import Schedule
from agent.services.review import drafts
from agent.settings import Settings
from tests.factories import TEST_ACTOR, make_client, make_invoice, make_user, pay

DUE = date(2026, 3, 2)  # a Monday


class StoringPipeline:
    """Stores a fixed draft for each thread, as the graph would, and remembers the calls."""

    def __init__(self, engine: Engine, settings: Settings, actor: Actor = TEST_ACTOR) -> None:
        self.engine = engine
        self.settings = settings
        self.actor = actor
        self.threads: list[str] = []

    def start(self, *, thread_id: str, as_of: date, new: bool = False) -> int | None:
        self.threads.append(thread_id)
        with session_scope(self.engine) as session:
            context = reminder_context.for_thread(
                session, thread_id=thread_id, as_of=as_of, due_soon_days=7
            )
            listed = [drafts.ListedInvoice.from_context(row) for row in context["invoices"]]
            draft = drafts.store(
                session,
                drafts.NewDraft(
                    thread_id=thread_id,
                    client_id=context["client"]["id"],
                    owner_id=context["owner"]["id"],
                    milestone=max((r.milestone for r in listed), key=len),
                    tone=Tone.FRIENDLY,
                    tone_reason="test",
                    language="en",
                    subject="s",
                    body="b",
                    risk_snapshot={},
                    suggested_send_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
                    drafter="template",
                    model="none",
                    prompt_version="test",
                    fallback_reason=None,
                    broken_promise_date=None,
                    sweep_date=as_of,
                    invoices=listed,
                ),
                actor=self.actor,
            )
            return draft.id


@pytest.fixture
def sweep(engine: Engine, settings: Settings):
    pipeline = StoringPipeline(engine, settings)

    def run(day: date) -> sweeps.SweepReport:
        return sweeps.run(engine, as_of=day, settings=settings, pipeline=pipeline)

    run.pipeline = pipeline  # type: ignore[attr-defined]
    return run


def claims(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(MilestoneClaim).order_by(col(MilestoneClaim.id))).all()
        numbers = {
            c.invoice_id: invoices.get(session, invoice_id=c.invoice_id, actor=TEST_ACTOR).number
            for c in rows
        }
        return [(numbers[c.invoice_id], c.milestone) for c in rows]


def decide_all(engine: Engine, *, decided_on: date) -> None:
    with session_scope(engine) as session:
        owner = make_user(session)
        for draft in session.exec(select(Draft)).all():
            draft.status = DraftStatus.APPROVED
            draft.decided_at = datetime.combine(decided_on, datetime.min.time(), tzinfo=UTC)
            draft.decided_by_user_id = owner.id
            session.add(draft)


def test_schedule_reached() -> None:
    schedule = Schedule(pre_due_days=3, overdue_days=(3, 7, 14), escalation_days=21)
    seen = {
        offset: milestones.reached(schedule, due_date=DUE, as_of=DUE + timedelta(days=offset))
        for offset in (-4, -3, 0, 1, 2, 3, 6, 7, 13, 14, 20, 21, 90)
    }
    assert seen == {
        -4: None,
        -3: "pre_due",
        0: "pre_due",
        1: None,
        2: None,
        3: "overdue_3",
        6: "overdue_3",
        7: "overdue_7",
        13: "overdue_7",
        14: "overdue_14",
        20: "overdue_14",
        21: "escalation",
        90: "escalation",
    }
    assert milestones.reached(schedule, due_date=DUE, as_of=DUE - timedelta(days=8), pre_due_days=8)


def test_series_of_sweeps_drafts_each_milestone_once(engine: Engine, sweep) -> None:
    with session_scope(engine) as session:
        make_invoice(session, number="A", issue_date=date(2026, 2, 1), due_date=DUE)
    drafted_on: dict[date, int] = {}
    for offset in range(-5, 25):
        day = DUE + timedelta(days=offset)
        report = sweep(day)
        drafted_on[day] = report.drafts_created
        decide_all(engine, decided_on=day - timedelta(days=10))
        again = sweep(day)
        assert again.drafts_created == 0 and again.escalations == 0
    assert claims(engine) == [
        ("A", "pre_due"),
        ("A", "overdue_3"),
        ("A", "overdue_7"),
        ("A", "overdue_14"),
        ("A", "escalation"),
    ]
    assert [d for d, n in drafted_on.items() if n] == [
        DUE - timedelta(days=3),
        DUE + timedelta(days=3),
        DUE + timedelta(days=7),
        DUE + timedelta(days=14),
    ]
    with Session(engine) as session:
        task = session.exec(select(FollowUpTask)).one()
        assert "21 days overdue" in task.reason
        kinds = sorted(n.kind for n in session.exec(select(Notification)).all())
    assert kinds == ["due_soon", "escalation", "newly_overdue"]


def test_after_downtime_only_the_latest_milestone_is_drafted(engine: Engine, sweep) -> None:
    with session_scope(engine) as session:
        make_invoice(session, number="B", issue_date=date(2026, 1, 1), due_date=DUE)
    report = sweep(DUE + timedelta(days=16))
    assert report.drafts_created == 1
    assert claims(engine) == [("B", "overdue_14")]


def test_one_draft_per_client_lists_all_its_invoices(engine: Engine, sweep) -> None:
    with session_scope(engine) as session:
        acme = make_client(session, name="Acme")
        other = make_client(session, name="Other")
        owner = make_user(session)
        make_invoice(session, client=acme, owner=owner, number="A1", due_date=DUE)
        make_invoice(session, client=acme, owner=owner, number="A2", due_date=DUE - timedelta(4))
        make_invoice(session, client=other, owner=owner, number="O1", due_date=DUE)
    report = sweep(DUE + timedelta(days=3))
    assert report.drafts_created == 2
    with Session(engine) as session:
        by_client = {}
        for draft in session.exec(select(Draft)).all():
            numbers = [inv.number for _l, inv in drafts.listed_invoices(session, draft_id=draft.id)]
            by_client[clients.get(session, client_id=draft.client_id).name] = numbers
    assert by_client == {"Acme": ["A2", "A1"], "Other": ["O1"]}
    assert sorted(m for _n, m in claims(engine)) == ["overdue_3", "overdue_3", "overdue_7"]


def test_extension_restarts_the_schedule_for_the_new_due_date(engine: Engine, sweep) -> None:
    with session_scope(engine) as session:
        invoice = make_invoice(session, number="E", issue_date=date(2026, 1, 1), due_date=DUE)
    assert sweep(DUE + timedelta(days=3)).drafts_created == 1
    decide_all(engine, decided_on=DUE)
    new_due = DUE + timedelta(days=14)
    with session_scope(engine) as session:
        invoices.extend_due_date(
            session, invoice_id=invoice.id, new_due_date=new_due, reason="agreed", actor=TEST_ACTOR
        )
    assert sweep(DUE + timedelta(days=7)).drafts_created == 0
    assert sweep(new_due + timedelta(days=3)).drafts_created == 1
    assert claims(engine) == [("E", "overdue_3"), ("E", "overdue_3")]


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("paid", "paid"),
        ("void", "void"),
        ("written_off", "written_off"),
        ("disputed", "disputed"),
        ("paused", "paused"),
        ("client_paused", "client_paused"),
        ("promise", "promise_pending"),
    ],
)
def test_skip_rules(engine: Engine, sweep, setup: str, reason: str) -> None:
    day = DUE + timedelta(days=7)
    with session_scope(engine) as session:
        invoice = make_invoice(session, number="S", issue_date=date(2026, 1, 1), due_date=DUE)
        iid = invoice.id
        if setup == "paid":
            pay(session, invoice, amount_minor=invoice.amount_minor, payment_date=DUE)
        elif setup in ("void", "written_off"):
            closer = invoices.void if setup == "void" else invoices.write_off
            closer(session, invoice_id=iid, closed_date=DUE, reason="r", actor=TEST_ACTOR)
        elif setup == "disputed":
            invoices.open_dispute(
                session, invoice_id=iid, reason="wrong", opened_date=DUE, actor=TEST_ACTOR
            )
        elif setup == "paused":
            invoices.set_reminders_paused(
                session, invoice_id=iid, paused=True, reason="r", actor=TEST_ACTOR
            )
        elif setup == "client_paused":
            clients.set_reminders_paused(session, client_id=invoice.client_id, paused=True)
        elif setup == "promise":
            invoices.record_promise(
                session, invoice_id=iid, promised_date=day, note="", actor=TEST_ACTOR
            )
    report = sweep(day)
    assert report.drafts_created == 0
    if setup not in ("paid", "void", "written_off"):
        assert report.skipped[reason] == 1
    assert claims(engine) == []


def test_broken_promise_no_longer_blocks(engine: Engine, sweep) -> None:
    with session_scope(engine) as session:
        invoice = make_invoice(session, number="P", issue_date=date(2026, 1, 1), due_date=DUE)
        invoices.record_promise(
            session,
            invoice_id=invoice.id,
            promised_date=DUE + timedelta(5),
            note="",
            actor=TEST_ACTOR,
        )
    assert sweep(DUE + timedelta(days=3)).skipped["promise_pending"] == 1
    assert sweep(DUE + timedelta(days=7)).drafts_created == 1
    with session_scope(engine) as session:
        context = reminder_context.for_thread(
            session,
            thread_id=sweep.pipeline.threads[-1],
            as_of=DUE + timedelta(days=7),
            due_soon_days=7,
        )
    assert context["broken_promise_date"] == (DUE + timedelta(5)).isoformat()


def test_pending_draft_and_recent_contact_block_new_drafts(engine: Engine, sweep) -> None:
    with session_scope(engine) as session:
        make_invoice(session, number="Q", issue_date=date(2026, 1, 1), due_date=DUE)
    assert sweep(DUE + timedelta(days=3)).drafts_created == 1
    pending = sweep(DUE + timedelta(days=7))
    assert (pending.drafts_created, pending.skipped["pending_draft"]) == (0, 1)
    decide_all(engine, decided_on=DUE + timedelta(days=6))
    recent = sweep(DUE + timedelta(days=7))
    assert (recent.drafts_created, recent.skipped["recently_contacted"]) == (0, 1)
    assert sweep(DUE + timedelta(days=10)).drafts_created == 1


def test_orphan_claim_is_drafted_by_the_next_sweep(engine: Engine, settings: Settings) -> None:
    with session_scope(engine) as session:
        make_invoice(session, number="C", issue_date=date(2026, 1, 1), due_date=DUE)

    class CrashingPipeline:
        def start(self, *, thread_id: str, as_of: date, new: bool = False) -> int | None:
            raise RuntimeError("process died")

    day = DUE + timedelta(days=3)
    crashed = sweeps.run(engine, as_of=day, settings=settings, pipeline=CrashingPipeline())
    assert crashed.drafts_created == 0 and len(crashed.failures) == 1
    pipeline = StoringPipeline(engine, settings)
    resumed = sweeps.run(engine, as_of=day, settings=settings, pipeline=pipeline)
    assert (resumed.resumed_threads, resumed.drafts_created) == (1, 1)
    assert claims(engine) == [("C", "overdue_3")]
    with Session(engine) as session:
        assert len(session.exec(select(Draft)).all()) == 1


def test_actor_is_recorded_on_drafted_event(engine: Engine, sweep) -> None:
    with session_scope(engine) as session:
        invoice = make_invoice(session, number="H", issue_date=date(2026, 1, 1), due_date=DUE)
        version = invoice.version
    sweep(DUE + timedelta(days=3))
    with Session(engine) as session:
        from agent.services.ledger import history

        events = history.list_for_invoice(session, invoice_id=invoice.id)
        assert events[-1].kind == "reminder_drafted"
        assert invoices.get(session, invoice_id=invoice.id, actor=TEST_ACTOR).version == version


def test_actor_person_is_required_to_decide(engine: Engine, sweep) -> None:
    with session_scope(engine) as session:
        make_invoice(session, number="D", issue_date=date(2026, 1, 1), due_date=DUE)
    sweep(DUE + timedelta(days=3))
    with session_scope(engine) as session:
        draft = session.exec(select(Draft)).one()
        with pytest.raises(Exception, match="signed-in person"):
            drafts.decide(
                session,
                draft_id=draft.id,
                decision=drafts.Decision.APPROVE,
                actor=Actor.system("x"),
            )


def test_concurrent_sweeps_never_claim_twice(engine: Engine, settings: Settings) -> None:
    import threading

    from agent.db import make_engine

    day = DUE + timedelta(days=7)
    with session_scope(engine) as session:
        owner = make_user(session)
        for c in range(12):
            client = make_client(session, name=f"Concurrent {c}")
            for i in range(3):
                make_invoice(
                    session,
                    client=client,
                    owner=owner,
                    number=f"K{c}-{i}",
                    issue_date=date(2026, 1, 1),
                    due_date=DUE - timedelta(days=i),
                )
    barrier = threading.Barrier(2)
    reports: list[sweeps.SweepReport] = []
    errors: list[BaseException] = []

    def one_machine() -> None:
        own_engine = make_engine(engine.url.render_as_string(hide_password=False))
        try:
            barrier.wait()
            pipeline = StoringPipeline(own_engine, settings)
            reports.append(sweeps.run(own_engine, as_of=day, settings=settings, pipeline=pipeline))
        except BaseException as exc:
            errors.append(exc)
        finally:
            own_engine.dispose()

    machines = [threading.Thread(target=one_machine) for _ in range(2)]
    for machine in machines:
        machine.start()
    for machine in machines:
        machine.join()
    assert errors == []
    assert sum(r.drafts_created for r in reports) == 12
    claimed = claims(engine)
    assert len(claimed) == len(set(claimed)) == 36
    with Session(engine) as session:
        assert len(session.exec(select(Draft)).all()) == 12


def test_claim_unique_key_refuses_a_second_claim(engine: Engine) -> None:
    from sqlalchemy.exc import IntegrityError

    with session_scope(engine) as session:
        invoice = make_invoice(session, number="U", due_date=DUE)
        iid = invoice.id
    row: dict[str, Any] = {
        "invoice_id": iid,
        "milestone": "overdue_3",
        "due_date": DUE,
        "sweep_date": DUE,
    }
    with session_scope(engine) as session:
        session.add(MilestoneClaim(thread_id="one", **row))
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(MilestoneClaim(thread_id="two", **row))


def test_companions_leave_out_invoices_pending_in_another_draft(
    engine: Engine, sweep, settings: Settings
) -> None:
    with session_scope(engine) as session:
        acme = make_client(session, name="Acme")
        owner = make_user(session)
        make_invoice(session, client=acme, owner=owner, number="P", due_date=DUE)
        later = make_invoice(
            session, client=acme, owner=owner, number="L", due_date=DUE + timedelta(days=2)
        )
        later_id, later_due = later.id, later.due_date
    assert sweep(DUE + timedelta(days=3)).drafts_created == 1
    day = DUE + timedelta(days=5)
    with session_scope(engine) as session:
        session.add(
            MilestoneClaim(
                invoice_id=later_id,
                milestone="overdue_3",
                due_date=later_due,
                sweep_date=day,
                thread_id="reminder:later",
            )
        )

    def listed() -> list[str]:
        with Session(engine) as session:
            context = reminder_context.for_thread(
                session,
                thread_id="reminder:later",
                as_of=day,
                due_soon_days=7,
                schedule=Schedule.from_settings(settings),
            )
        return [row["number"] for row in context["invoices"]]

    assert listed() == ["L"]
    decide_all(engine, decided_on=day)
    assert listed() == ["L", "P"]


def test_a_contested_batch_is_claimed_client_by_client(
    engine: Engine, settings: Settings, database_url: str
) -> None:
    """Another sweep takes one client of a batch while this sweep claims it: the batch's
    transaction fails, and the clients are claimed one by one, the contested one left alone.

    On SQLite the rival claims the client's milestone between this sweep's read and its
    insert (the unique key refuses the batch); on PostgreSQL it holds the client's invoice
    row lock past this sweep's lock timeout."""
    from sqlalchemy import event, text

    from agent.db import make_engine

    day = DUE + timedelta(days=3)
    with session_scope(engine) as session:
        owner = make_user(session)
        ids = [
            make_invoice(
                session,
                client=make_client(session, name=f"Batch {n}"),
                owner=owner,
                number=f"B-{n}",
                issue_date=date(2026, 1, 1),
                due_date=DUE,
            ).id
            for n in range(3)
        ]
    contested = ids[1]
    milestone = milestones.reached(Schedule.from_settings(settings), due_date=DUE, as_of=day)
    assert milestone is not None
    settings = settings.model_copy(update={"sweep_batch_clients": 3})
    pipeline = StoringPipeline(engine, settings)
    impatient = make_engine(database_url, busy_timeout_seconds=0.5)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as rival:
                rival.execute(
                    text("SELECT id FROM invoice WHERE id = :id FOR UPDATE"), {"id": contested}
                )
                report = sweeps.run(impatient, as_of=day, settings=settings, pipeline=pipeline)
                rival.rollback()
            assert report.claimed_elsewhere == 1
        else:
            rivals: list[int] = []

            def rival_claims(session: Session, *_args: Any) -> None:
                if rivals:
                    return
                rivals.append(contested)
                with session_scope(engine) as other:
                    other.add(
                        MilestoneClaim(
                            invoice_id=contested,
                            milestone=milestone,
                            due_date=DUE,
                            sweep_date=day,
                            thread_id="rival",
                        )
                    )

            event.listen(Session, "before_flush", rival_claims)
            try:
                report = sweeps.run(impatient, as_of=day, settings=settings, pipeline=pipeline)
            finally:
                event.remove(Session, "before_flush", rival_claims)
            assert rivals == [contested]
    finally:
        impatient.dispose()
    assert report.clients_seen == 3 and report.drafts_created == 2
    with Session(engine) as session:
        held = session.exec(select(MilestoneClaim)).all()
        threads = {claim.invoice_id: claim.thread_id for claim in held}
    assert len(held) == len(threads) == (3 if engine.dialect.name == "sqlite" else 2)
    assert sorted(threads) == (ids if engine.dialect.name == "sqlite" else [ids[0], ids[2]])
    assert threads.get(contested, "rival") == "rival"
    assert sorted(pipeline.threads) == sorted(t for i, t in threads.items() if i != contested)


def test_another_owner_cannot_store_a_draft_for_an_invoice_not_theirs(
    engine: Engine, settings: Settings
) -> None:
    """The access rule holds when a person's actor stores a draft: another owner's invoice is
    not found, and nothing of the draft is written (no draft, link, claim update or history)."""
    from agent.errors import InvoiceNotFound
    from agent.models import EventKind, InvoiceEvent

    day = DUE + timedelta(days=3)
    with session_scope(engine) as session:
        ann = make_user(session)
        bob = make_user(session)
        make_invoice(
            session,
            client=make_client(session, name="Ann's client"),
            owner=ann,
            number="ANN-1",
            issue_date=date(2026, 1, 1),
            due_date=DUE,
        )
    stranger = StoringPipeline(engine, settings, actor=Actor.person(bob.id, bob.email))
    report = sweeps.run(engine, as_of=day, settings=settings, pipeline=stranger)
    assert report.drafts_created == 0
    assert len(report.failures) == 1 and "no invoice with id" in report.failures[0]
    with pytest.raises(InvoiceNotFound):
        stranger.start(thread_id=stranger.threads[0], as_of=day)
    with Session(engine) as session:
        assert session.exec(select(Draft)).all() == []
        assert all(c.draft_id is None for c in session.exec(select(MilestoneClaim)))
        kinds = {event.kind for event in session.exec(select(InvoiceEvent))}
        assert EventKind.REMINDER_DRAFTED not in kinds
    owner = StoringPipeline(engine, settings, actor=Actor.person(ann.id, ann.email))
    assert owner.start(thread_id=stranger.threads[0], as_of=day) is not None


def test_an_invoice_is_judged_in_the_group_it_was_found_in(
    engine: Engine, settings: Settings
) -> None:
    """An invoice whose row names another client than its group's by the time the batch locks
    it (moved in the database meanwhile) is claimed within its group, not lost with an error."""
    from sqlalchemy import text

    day = DUE + timedelta(days=3)
    with session_scope(engine) as session:
        owner = make_user(session)
        found_in = make_client(session, name="Found in")
        moved_to = make_client(session, name="Moved to")
        invoice = make_invoice(
            session,
            client=found_in,
            owner=owner,
            number="MOVED-1",
            issue_date=date(2026, 1, 1),
            due_date=DUE,
        )
    with session_scope(engine) as session:
        session.execute(
            text("UPDATE invoice SET client_id = :to WHERE id = :id"),
            {"to": moved_to.id, "id": invoice.id},
        )
    with session_scope(engine) as session:
        outcome = sweeps.process_groups(
            session,
            groups=[(found_in.id, [invoice.id])],
            as_of=day,
            settings=settings,
            schedule=Schedule.from_settings(settings),
        )
    assert [thread.invoices_claimed for thread in outcome.threads] == [1]
    assert outcome.threads[0].thread_id.startswith(f"reminder:{found_in.id}:")
