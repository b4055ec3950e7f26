"""Follow-up tasks: what a person must do by hand (the sweep opens one at escalation).

Listing and closing take the acting user; another owner's task is not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlmodel import Session, col, select

from agent.actor import Actor
from agent.errors import InvalidInput, TaskNotFound
from agent.models import Client, Invoice, User
from agent.models.base import utcnow
from agent.models.notification import FollowUpTask, TaskStatus
from agent.services.access.ownership import require_owner, scoped


class TaskShow(StrEnum):
    OPEN = "open"
    DONE = "done"
    ALL = "all"


@dataclass(frozen=True)
class TaskLine:
    task: FollowUpTask
    invoice: Invoice
    client: Client
    owner: User


def list_tasks(
    session: Session,
    *,
    actor: Actor,
    show: TaskShow = TaskShow.OPEN,
    owner_id: int | None = None,
    due_by: date | None = None,
    limit: int = 500,
) -> list[TaskLine]:
    """Tasks the actor may see, earliest due first (done ones: latest closed first)."""
    query = scoped(
        select(FollowUpTask, Invoice, Client, User)
        .join(Invoice, col(Invoice.id) == FollowUpTask.invoice_id)
        .join(Client, col(Client.id) == Invoice.client_id)
        .join(User, col(User.id) == FollowUpTask.owner_id),
        actor,
        FollowUpTask.owner_id,
    )
    if show is not TaskShow.ALL:
        query = query.where(FollowUpTask.status == TaskStatus(show.value))
    if owner_id is not None:
        query = query.where(FollowUpTask.owner_id == owner_id)
    if due_by is not None:
        query = query.where(FollowUpTask.due_date <= due_by)
    if show is TaskShow.DONE:
        query = query.order_by(col(FollowUpTask.closed_at).desc(), col(FollowUpTask.id).desc())
    else:
        query = query.order_by(col(FollowUpTask.due_date), col(FollowUpTask.id))
    return [
        TaskLine(task=t, invoice=i, client=c, owner=u)
        for t, i, c, u in session.exec(query.limit(limit))
    ]


def close(session: Session, *, task_id: int, actor: Actor, note: str) -> FollowUpTask:
    """Mark a task done with what was done; closing it twice is refused."""
    task = session.get(FollowUpTask, task_id)
    missing = TaskNotFound(f"no task with id {task_id}", field="task")
    if task is None:
        raise missing
    require_owner(actor, task.owner_id, not_found=missing)
    if task.status == TaskStatus.DONE:
        raise InvalidInput("this task is already closed", field="task")
    text = " ".join(note.split())
    if not text:
        raise InvalidInput("say what was done, e.g. 'called, paying Friday'", field="note")
    task.status = TaskStatus.DONE
    task.closed_at = utcnow()
    task.close_note = text
    task.closed_by = actor.label
    session.add(task)
    session.flush()
    return task
