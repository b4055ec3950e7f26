"""Tasks close with a note; notifications are read, dismissed and resolve themselves; plurals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session

from agent.actor import Actor
from agent.errors import InvalidInput, TaskNotFound
from agent.models import Invoice, User
from agent.models.notification import FollowUpTask, NotificationKind, TaskStatus
from agent.services.ledger import invoices
from agent.services.ledger.standing import Standing
from agent.services.notices import notifications, tasks
from agent.settings import Settings
from tests.factories import make_invoice, make_user, pay

DUE = date(2026, 3, 2)


def person(user: User) -> Actor:
    return Actor.person(user_id=user.id, email=user.email)


def notify_for_standing(
    session: Session, *, invoice: Invoice, standing: Standing, settings: Settings
) -> int:
    """What a sweep stores for one invoice's standing; how many notifications are new."""
    followed_up = invoice.id in notifications.followed_up(session, invoices=[invoice])
    found = notifications.for_standing(
        invoice, standing=standing, settings=settings, followed_up=followed_up
    )
    return notifications.notify_many(session, found)


def test_a_task_is_closed_once_with_a_note_and_only_by_its_owner(session: Session) -> None:
    ann, bob = make_user(session), make_user(session)
    invoice = make_invoice(session, owner=ann, due_date=DUE)
    task = FollowUpTask(invoice_id=invoice.id, owner_id=ann.id, reason="call them", due_date=DUE)
    session.add(task)
    session.flush()
    assert [line.task.id for line in tasks.list_tasks(session, actor=person(ann))] == [task.id]
    assert tasks.list_tasks(session, actor=person(bob)) == []
    with pytest.raises(TaskNotFound):
        tasks.close(session, task_id=task.id, actor=person(bob), note="done")
    with pytest.raises(InvalidInput):
        tasks.close(session, task_id=task.id, actor=person(ann), note="   ")
    closed = tasks.close(session, task_id=task.id, actor=person(ann), note="called, pays Friday")
    assert (closed.status, closed.close_note, closed.closed_by) == (
        TaskStatus.DONE,
        "called, pays Friday",
        f"user:{ann.email}",
    )
    assert tasks.list_tasks(session, actor=person(ann)) == []
    done = tasks.list_tasks(session, actor=person(ann), show=tasks.TaskShow.DONE)
    assert [line.task.id for line in done] == [task.id]
    with pytest.raises(InvalidInput):
        tasks.close(session, task_id=task.id, actor=person(ann), note="again")


def test_due_soon_reads_in_words_with_correct_plurals(session: Session, settings: Settings) -> None:
    owner = make_user(session)
    for days in (1, 2):
        invoice = make_invoice(session, owner=owner, due_date=DUE)
        standing = invoices.standing(
            session, invoice=invoice, as_of=DUE - timedelta(days=days), due_soon_days=3
        )
        notify_for_standing(session, invoice=invoice, standing=standing, settings=settings)
    messages = sorted(n.message for n in notifications.list_for_actor(session, actor=person(owner)))
    assert any("due in 1 day (" in m for m in messages)
    assert any("due in 2 days (" in m for m in messages)


def test_read_and_dismiss_in_bulk_touch_only_the_actors_own(session: Session) -> None:
    ann, bob = make_user(session), make_user(session)
    mine = [make_invoice(session, owner=ann, due_date=DUE) for _ in range(3)]
    theirs = make_invoice(session, owner=bob, due_date=DUE)
    for invoice in [*mine, theirs]:
        notifications.notify(
            session,
            owner_id=invoice.owner_id,
            kind=NotificationKind.NEWLY_OVERDUE,
            invoice=invoice,
            message=f"{invoice.number} overdue",
        )
    ids = [n.id for n in notifications.list_for_actor(session, actor=Actor.system("t"))]
    assert notifications.mark_read(session, actor=person(ann), ids=ids) == 3
    assert notifications.dismiss(session, actor=person(ann), ids=ids[:2] + ids[-1:]) == 2
    current = notifications.list_for_actor(session, actor=person(ann))
    assert len(current) == 1 and current[0].read_at is not None
    assert len(notifications.list_for_actor(session, actor=person(bob))) == 1
    assert len(notifications.list_for_actor(session, actor=person(ann), show_all=True)) == 3


def test_a_notice_resolves_itself_when_its_invoice_is_paid(
    session: Session, settings: Settings
) -> None:
    owner = make_user(session)
    paid, unpaid = (make_invoice(session, owner=owner, due_date=DUE) for _ in range(2))
    day = DUE + timedelta(days=settings.no_follow_up_days + 1)
    for invoice in (paid, unpaid):
        standing = invoices.standing(session, invoice=invoice, as_of=day, due_soon_days=3)
        assert (
            notify_for_standing(session, invoice=invoice, standing=standing, settings=settings) == 2
        )  # newly overdue, and no follow-up yet
    pay(session, paid, payment_date=day)
    resolved = notifications.resolve_stale(
        session, actor=person(owner), as_of=day, settings=settings
    )
    assert resolved == 2
    left = notifications.list_for_actor(session, actor=person(owner))
    assert {n.invoice_id for n in left} == {unpaid.id}
    assert (
        notifications.resolve_stale(session, actor=person(owner), as_of=day, settings=settings) == 0
    )


def test_notices_already_stored_are_neither_stored_nor_counted_again(session: Session) -> None:
    owner = make_user(session)
    first, second = (make_invoice(session, owner=owner, due_date=DUE) for _ in range(2))

    def overdue(invoice: Invoice) -> notifications.Notice:
        message = f"Invoice {invoice.number} is overdue."
        return notifications.Notice(owner.id, NotificationKind.NEWLY_OVERDUE, invoice, message)

    assert notifications.notify_many(session, [overdue(first), overdue(first)]) == 1
    assert notifications.notify_many(session, [overdue(first), overdue(second)]) == 1
    assert notifications.notify_many(session, [overdue(second)]) == 0
    stored = notifications.list_for_actor(session, actor=person(owner))
    assert {n.invoice_id for n in stored} == {first.id, second.id} and len(stored) == 2
