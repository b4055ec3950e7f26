"""The demo-ledger generator: ledger rules, service-identical rows, behaviours, determinism."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from statistics import mean
from typing import Any

import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from agent.db import make_engine, session_scope
from agent.demo import ledger as demo_ledger
from agent.demo.ledger import DEMO_ACTOR, LedgerContents, generate_ledger
from agent.errors import InvalidInput, LedgerNotEmpty
from agent.models import (
    Client,
    ClientCreate,
    EventKind,
    Invoice,
    InvoiceCreate,
    InvoiceEvent,
    Lifecycle,
    Payment,
    User,
    UserRole,
)
from agent.money import format_plain
from agent.schema import upgrade
from agent.services.access import users
from agent.services.ledger import clients, history, invoices, payments
from agent.services.ledger.standing import State, derive
from tests.factories import make_client, make_invoice

END = date(2026, 6, 30)


def _all_invoices(session: Session) -> list[Invoice]:
    return list(session.exec(sm_select(Invoice).order_by(col(Invoice.id))))


def _sqlite_engine(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def test_generated_ledger_obeys_every_ledger_rule(engine: Engine, session: Session) -> None:
    ledger = generate_ledger(engine, invoices=900, seed=11, end_date=END, batch_size=250)

    rows = _all_invoices(session)
    assert len(rows) == ledger.invoices == 900
    numbers = {invoice.number for invoice in rows}
    assert len(numbers) == 900
    external_ids = list(session.exec(sm_select(Payment.external_id)))
    assert len(external_ids) == len(set(external_ids)) == ledger.payments
    assert len(list(session.exec(sm_select(InvoiceEvent.id)))) == ledger.events
    for invoice in rows:
        _check_invoice(session, invoice)


def _check_invoice(session: Session, invoice: Invoice) -> None:
    received = payments.list_for_invoice(session, invoice_id=invoice.id)
    events = history.list_for_invoice(session, invoice_id=invoice.id)
    paid = invoices.paid_minor(session, invoice_id=invoice.id)
    kinds = [event.kind for event in events]
    assert invoice.issue_date <= invoice.original_due_date <= invoice.due_date
    assert invoice.amount_minor > 0 and paid <= invoice.amount_minor
    for payment in received:
        assert payment.currency == invoice.currency
        assert invoice.issue_date <= payment.payment_date <= END
    if invoice.lifecycle in (Lifecycle.VOID, Lifecycle.WRITTEN_OFF):
        assert invoice.closed_date is not None and invoice.closed_date <= END
        assert paid < invoice.amount_minor
        assert all(p.payment_date <= invoice.closed_date for p in received)
    if invoice.lifecycle == Lifecycle.VOID:
        assert received == []
    assert {event.actor for event in events} == {DEMO_ACTOR.label}
    assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
    assert events[-1].occurred_at.date() <= END
    assert kinds[0] == EventKind.CREATED
    assert events[0].data["due_date"] == invoice.original_due_date.isoformat()
    assert invoice.version == 1 + len(events)
    recorded = [e for e in events if e.kind == EventKind.PAYMENT_RECORDED]
    assert [e.data["payment_id"] for e in recorded] == [p.id for p in received]
    assert [e.data["amount"] for e in recorded] == [
        format_plain(p.amount_minor, invoice.currency) for p in received
    ]
    assert (kinds.count(EventKind.PAID) == 1) == (paid == invoice.amount_minor)
    assert (invoice.due_date != invoice.original_due_date) == (EventKind.DUE_DATE_EXTENDED in kinds)
    disputes = [k for k in kinds if k.startswith("dispute_")]
    assert (invoice.dispute_opened_date is not None) == (disputes[-1:] == ["dispute_opened"])
    # Extending, disputing and promising are refused by the services once an invoice is paid.
    for event in events:
        if event.kind in ("due_date_extended", "dispute_opened", "promise_recorded"):
            day = event.occurred_at.date()
            assert invoices.paid_minor(session, invoice_id=invoice.id, as_of=day) < (
                invoice.amount_minor
            )


def test_replaying_the_history_through_the_services_writes_the_same_rows(
    tmp_path: Path,
) -> None:
    generated = _sqlite_engine(tmp_path / "generated.db")
    replayed = _sqlite_engine(tmp_path / "replayed.db")
    generate_ledger(generated, invoices=400, seed=5, end_date=END, batch_size=64)

    with Session(generated) as source, session_scope(replayed) as target:
        _replay(source, target)
    with Session(generated) as source, Session(replayed) as target:
        assert _ledger_facts(target) == _ledger_facts(source)


def _replay(source: Session, target: Session) -> None:
    """Re-enter every user, client, invoice and event of ``source`` through the services."""
    for user in source.exec(sm_select(User).order_by(col(User.id))):
        users.create(target, name=user.name, email=user.email, role=user.role)
    for client in source.exec(sm_select(Client).order_by(col(Client.id))):
        clients.create(target, ClientCreate.model_validate(client.model_dump()))
    amounts = {p.id: p for p in source.exec(sm_select(Payment))}
    for invoice in _all_invoices(source):
        # Opened as the services open them; closing happens through the replayed events.
        opened = Lifecycle.DRAFT if invoice.lifecycle == Lifecycle.DRAFT else Lifecycle.SENT
        data = invoice.model_dump(warnings=False)
        data |= {"due_date": invoice.original_due_date, "lifecycle": opened}
        created = invoices.create(target, InvoiceCreate.model_validate(data), actor=DEMO_ACTOR)
        for event in history.list_for_invoice(source, invoice_id=invoice.id)[1:]:
            _replay_event(target, created.id, event, amounts)


def _replay_event(
    session: Session, invoice_id: int, event: InvoiceEvent, paid: dict[int, Payment]
) -> None:
    data, actor, on = event.data, DEMO_ACTOR, date.fromisoformat
    match event.kind:
        case EventKind.PAYMENT_RECORDED:
            p = paid[data["payment_id"]]
            payments.record(
                session,
                invoice_id=invoice_id,
                amount_minor=p.amount_minor,
                currency=p.currency,
                payment_date=p.payment_date,
                actor=actor,
                method=p.method,
                reference=p.reference,
                external_id=p.external_id,
            )
        case EventKind.PAID:
            pass  # payments.record writes it itself
        case EventKind.DUE_DATE_EXTENDED:
            invoices.extend_due_date(
                session,
                invoice_id=invoice_id,
                new_due_date=on(data["to"]),
                reason=data["reason"],
                actor=actor,
            )
        case EventKind.DISPUTE_OPENED:
            invoices.open_dispute(
                session,
                invoice_id=invoice_id,
                reason=data["reason"],
                opened_date=on(data["opened_date"]),
                actor=actor,
            )
        case EventKind.DISPUTE_RESOLVED:
            invoices.resolve_dispute(
                session,
                invoice_id=invoice_id,
                resolution=data["resolution"],
                resolved_date=on(data["resolved_date"]),
                actor=actor,
            )
        case EventKind.PROMISE_RECORDED:
            invoices.record_promise(
                session,
                invoice_id=invoice_id,
                promised_date=on(data["promised_date"]),
                note=data["note"],
                actor=actor,
            )
        case EventKind.WRITTEN_OFF:
            invoices.write_off(
                session,
                invoice_id=invoice_id,
                closed_date=on(data["closed_date"]),
                reason=data["reason"],
                actor=actor,
            )
        case EventKind.VOIDED:
            invoices.void(
                session,
                invoice_id=invoice_id,
                closed_date=on(data["closed_date"]),
                reason=data["reason"],
                actor=actor,
            )
        case _:
            pytest.fail(f"the generator wrote an event kind the replay does not know: {event}")


def _ledger_facts(session: Session) -> dict[str, list[Any]]:
    """Every stored fact except wall-clock timestamps, which the services take from the clock."""
    skip = {"created_at", "updated_at", "occurred_at"}

    def facts(model: Any, order: Any) -> list[dict[str, Any]]:
        rows = session.exec(sm_select(model).order_by(order))
        return [
            {k: v for k, v in row.model_dump(warnings=False).items() if k not in skip}
            for row in rows
        ]

    return {
        "users": facts(User, col(User.id)),
        "clients": facts(Client, col(Client.id)),
        "invoices": facts(Invoice, col(Invoice.id)),
        "payments": facts(Payment, col(Payment.id)),
        "events": facts(InvoiceEvent, col(InvoiceEvent.id)),
    }


def _payments_and_event_kinds(
    session: Session,
) -> tuple[dict[int, list[Payment]], dict[int, list[str]]]:
    """Every invoice's payments (by date) and event kinds (in order), read in two queries."""
    received: dict[int, list[Payment]] = defaultdict(list)
    order = (col(Payment.payment_date), col(Payment.id))
    for payment in session.exec(sm_select(Payment).order_by(*order)):
        received[payment.invoice_id].append(payment)
    kinds: dict[int, list[str]] = defaultdict(list)
    query = sm_select(InvoiceEvent.invoice_id, InvoiceEvent.kind)
    for invoice_id, kind in session.exec(query.order_by(col(InvoiceEvent.occurred_at))):
        kinds[invoice_id].append(kind)
    return received, kinds


def test_clients_behave_as_their_profiles_say(engine: Engine, session: Session) -> None:
    ledger = generate_ledger(engine, invoices=2_500, seed=3, end_date=END)
    assert set(ledger.profiles.values()) == set(demo_ledger.BEHAVIOURS)
    by_id = {c.id: c for c in session.exec(sm_select(Client))}
    behaviour = {cid: ledger.profiles[c.name] for cid, c in by_id.items()}
    received, kinds = _payments_and_event_kinds(session)
    settled: dict[str, list[tuple[Invoice, list[Payment], list[str]]]] = defaultdict(list)
    for invoice in _all_invoices(session):
        assert invoice.currency == by_id[invoice.client_id].currency
        paid = received[invoice.id]
        if sum(p.amount_minor for p in paid) == invoice.amount_minor:
            settled[behaviour[invoice.client_id]].append((invoice, paid, kinds[invoice.id]))

    def plain(group: str) -> list[tuple[Invoice, list[Payment]]]:
        """Settled invoices that were neither disputed nor extended."""
        return [
            (i, ps)
            for i, ps, kinds in settled[group]
            if "dispute_opened" not in kinds and "due_date_extended" not in kinds
        ]

    assert all(ps[-1].payment_date <= i.due_date for i, ps in plain("prompt"))
    assert all(5 <= (ps[0].payment_date - i.due_date).days <= 40 for i, ps in plain("late"))
    assert all(len(ps) in (2, 3) for _, ps, _ in settled["partial"])
    disputed = [k for _, _, k in settled["disputer"] if "dispute_resolved" in k]
    assert len(disputed) >= len(settled["disputer"]) // 5

    def lateness(rows: list[tuple[Invoice, list[Payment]]]) -> float:
        return mean((ps[-1].payment_date - i.original_due_date).days for i, ps in rows)

    start = END - timedelta(days=demo_ledger.HISTORY_DAYS)
    worsening = plain("deteriorating")
    early = [r for r in worsening if r[0].issue_date < start + timedelta(days=240)]
    late = [r for r in worsening if r[0].issue_date >= start + timedelta(days=480)]
    assert lateness(late) > lateness(early) + 20
    assert lateness(plain("disputer")) > lateness(plain("prompt")) + 10


def test_ledger_has_the_promised_mix(engine: Engine, session: Session) -> None:
    generate_ledger(engine, invoices=2_500, seed=3, end_date=END)
    people = list(session.exec(sm_select(User)))
    customers = list(session.exec(sm_select(Client)))
    assert 4 <= len(people) <= 6
    assert [u.role for u in people].count(UserRole.ADMIN) == 1
    assert {c.currency for c in customers} == {"EUR", "USD", "SEK", "GBP"}
    assert {c.language for c in customers} == {"en", "sv", "nl", "bg"}
    assert {c.default_terms_days for c in customers} <= {14, 30, 45, 60}
    assert len({c.timezone for c in customers}) >= 5
    states: dict[State, int] = defaultdict(int)
    old_closed = old = 0
    received, _ = _payments_and_event_kinds(session)
    for invoice in _all_invoices(session):
        paid = sum(p.amount_minor for p in received[invoice.id])
        state = derive(invoice, paid_minor=paid, as_of=END, due_soon_days=7).state
        states[state] += 1
        if invoice.issue_date < END - timedelta(days=365):
            old += 1
            old_closed += state in (State.PAID, State.WRITTEN_OFF, State.VOID)
        if invoice.currency == "EUR":
            assert 200_00 <= invoice.amount_minor <= 100_000_00
    for state in (State.PAID, State.OVERDUE, State.NOT_YET_DUE, State.DISPUTED, State.VOID):
        assert states[state] > 0, state
    assert states[State.WRITTEN_OFF] > 0
    assert old_closed >= 0.95 * old


def _dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    metadata = MetaData()
    metadata.reflect(engine, only=["user", "client", "invoice", "payment", "invoice_event"])
    with engine.connect() as connection:
        return {
            name: list(connection.execute(select(table).order_by(*table.primary_key.columns)))
            for name, table in metadata.tables.items()
        }


def test_same_seed_writes_identical_rows_whatever_the_batch_size(tmp_path: Path) -> None:
    first, second, other = (_sqlite_engine(tmp_path / f"{n}.db") for n in ("a", "b", "c"))
    a = generate_ledger(first, invoices=700, seed=42, end_date=END, batch_size=5_000)
    b = generate_ledger(second, invoices=700, seed=42, end_date=END, batch_size=33)
    generate_ledger(other, invoices=700, seed=43, end_date=END)

    assert a == b
    assert _dump(first) == _dump(second)
    assert _dump(first)["invoice"] != _dump(other)["invoice"]


# sha256 of ``_dump`` for 1,500 invoices, seed 11, written by the Core-insert generator before
# the bulk writer (agent/bulk.py) replaced it: the faster writer must store the same bytes.
LEDGER_DIGEST = "3835b1f441b2df6d114439419d25cc7376722428c4734336bec74bab136addd2"


def test_the_bulk_writer_stores_the_same_ledger_as_core_inserts_did(tmp_path: Path) -> None:
    engine = _sqlite_engine(tmp_path / "digest.db")
    generate_ledger(engine, invoices=1_500, seed=11, end_date=END, batch_size=400)
    dump = _dump(engine)

    assert {name: len(rows) for name, rows in dump.items()} == {
        "user": 5,
        "client": 38,
        "invoice": 1_500,
        "payment": 1_533,
        "invoice_event": 4_683,
    }
    assert hashlib.sha256(repr(sorted(dump.items())).encode()).hexdigest() == LEDGER_DIGEST


def test_progress_reports_invoices_written_after_each_batch(engine: Engine) -> None:
    seen: list[int] = []
    generate_ledger(engine, invoices=30, end_date=END, batch_size=7, progress=seen.append)
    assert seen == [7, 14, 21, 28, 30]


def test_client_count_scales_with_the_invoices() -> None:
    assert demo_ledger.default_client_count(100) == 8
    assert demo_ledger.default_client_count(2_000) == 50
    assert demo_ledger.default_client_count(1_000_000) == 20_000


def test_generation_refuses_a_database_that_holds_data(engine: Engine, session: Session) -> None:
    make_client(session, name="Real Customer Ltd")
    session.commit()
    with pytest.raises(LedgerNotEmpty):
        generate_ledger(engine, invoices=10, end_date=END)
    assert demo_ledger.ledger_contents(session) == LedgerContents.OTHER
    with pytest.raises(LedgerNotEmpty):
        demo_ledger.clear_demo_ledger(session)
    assert clients.find_by_name(session, name="Real Customer Ltd") is not None


def test_a_demo_ledger_can_be_cleared_and_written_again(engine: Engine) -> None:
    generate_ledger(engine, invoices=120, seed=1, end_date=END)
    with session_scope(engine) as session:
        assert demo_ledger.ledger_contents(session) == LedgerContents.DEMO
        assert demo_ledger.clear_demo_ledger(session) is True
    with session_scope(engine) as session:
        assert demo_ledger.ledger_contents(session) == LedgerContents.EMPTY
        assert demo_ledger.clear_demo_ledger(session) is False
    again = generate_ledger(engine, invoices=150, seed=1, end_date=END)
    with session_scope(engine) as session:
        assert demo_ledger.count_rows(session).invoices == again.invoices == 150
        # Rows added later through the services get fresh ids (PostgreSQL sequences moved on).
        client = clients.get(session, client_id=1)
        owner = session.exec(sm_select(User).order_by(col(User.id))).first()
        added = make_invoice(session, client=client, owner=owner, number="LATER-1")
        payments.record(
            session,
            invoice_id=added.id,
            amount_minor=100,
            currency=added.currency,
            payment_date=added.issue_date,
            actor=DEMO_ACTOR,
        )
        assert added.id == 151
        assert demo_ledger.ledger_contents(session) == LedgerContents.OTHER


def test_a_negative_invoice_count_is_refused(engine: Engine) -> None:
    with pytest.raises(InvalidInput):
        generate_ledger(engine, invoices=-1, end_date=END)
