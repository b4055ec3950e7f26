"""Tasks (list, close with a note) and notifications (read, dismiss, in bulk)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response

from agent.errors import InvalidDate, InvalidInput, PaytrackError
from agent.models.outbox import OutboxStatus
from agent.services.access import users
from agent.services.notices import notifications, tasks
from agent.services.reporting.invoice_table import parse_choice
from agent.services.review import outbox, reviews
from api.pages.common import (
    PageRoute,
    Viewer,
    form_of,
    redirect,
    render,
    settings_of,
    transaction,
    viewer,
)

router = APIRouter(route_class=PageRoute)


def _day(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidDate(f"{field} must be a date (YYYY-MM-DD)", field=field) from None


def _tasks_page(
    request: Request, who: Viewer, *, status_code: int = 200, **extra: object
) -> Response:
    params = request.query_params
    show = parse_choice(tasks.TaskShow, params.get("show"), "show") or tasks.TaskShow.OPEN
    owner = params.get("owner") or ""
    if owner and not owner.isdigit():
        raise InvalidInput("owner must be a user id", field="owner")
    actor = reviews.actor_for(who.user)
    with transaction(request) as session:
        lines = tasks.list_tasks(
            session,
            actor=actor,
            show=show,
            owner_id=int(owner) if owner else None,
            due_by=_day(params.get("due_by"), "due_by"),
        )
        owners = users.list_users(session) if actor.sees_all else []
    return render(
        request,
        "tasks.html",
        who,
        status_code=status_code,
        lines=lines,
        show=show.value,
        owners=owners,
        owner=owner,
        due_by=params.get("due_by") or "",
        **extra,
    )


@router.get("/tasks")
def tasks_page(request: Request, done: str | None = None) -> Response:
    who = viewer(request)
    return _tasks_page(request, who, notice="Task closed." if done else None)


@router.post("/tasks/{task_id}/close")
async def close_task(request: Request, task_id: int) -> Response:
    who = viewer(request)
    form = await form_of(request, who)
    note = str(form.get("note") or "")
    try:
        with transaction(request) as session:
            tasks.close(session, task_id=task_id, actor=reviews.actor_for(who.user), note=note)
    except PaytrackError as exc:
        if exc.status == 404:
            raise
        return _tasks_page(
            request,
            who,
            status_code=exc.status,
            errors={task_id: exc.message},
            values={task_id: note},
        )
    return redirect("/tasks?done=1")


@router.get("/notifications")
def notifications_page(request: Request, show: str = "current", done: str = "") -> Response:
    who = viewer(request)
    actor = reviews.actor_for(who.user)
    owner_id = None if actor.sees_all else who.user.id
    with transaction(request) as session:
        notifications.resolve_stale(
            session, actor=actor, as_of=date.today(), settings=settings_of(request)
        )
        notes = notifications.list_for_actor(session, actor=actor, show_all=show == "all")
        messages = outbox.list_messages(session, owner_id=owner_id, limit=100)
    attention = [m for m in messages if m.status in (OutboxStatus.UNCONFIRMED, OutboxStatus.FAILED)]
    notice = {"read": "Marked as read.", "dismissed": "Dismissed."}.get(done)
    return render(
        request,
        "notifications.html",
        who,
        notes=notes,
        messages=messages,
        attention=attention,
        show=show,
        notice=notice,
    )


@router.post("/notifications/bulk")
async def notifications_bulk(request: Request) -> Response:
    """Mark read or dismiss the ticked notifications."""
    who = viewer(request)
    form = await request.form()
    await form_of(request, who)
    actor = reviews.actor_for(who.user)
    action = str(form.get("action") or "")
    if action not in ("read", "dismiss"):
        raise InvalidInput("action must be read or dismiss", field="action")
    ids = [int(str(v)) for v in form.getlist("notification_id") if str(v).isdigit()]
    with transaction(request) as session:
        change = notifications.mark_read if action == "read" else notifications.dismiss
        change(session, actor=actor, ids=ids)
    return redirect(f"/notifications?done={'read' if action == 'read' else 'dismissed'}")
