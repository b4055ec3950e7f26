"""Stopping an approved e-mail from the pages: the outbox page, and cancel or back-to-queue
buttons on the draft, invoice and outbox pages."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from agent.models import UserRole
from agent.services.review import outbox, reviews
from api.pages.common import PageRoute, form_of, redirect, render, safe_next, transaction, viewer

router = APIRouter(route_class=PageRoute)


@router.get("/outbox")
def outbox_page(request: Request) -> Response:
    """Every outbox message the viewer may see, newest first, with what can still be stopped."""
    who = viewer(request)
    owner_id = None if who.user.role == UserRole.ADMIN else who.user.id
    with transaction(request) as session:
        messages = outbox.list_messages(session, owner_id=owner_id, limit=200)
    return render(request, "outbox.html", who, messages=messages, stoppable=set(outbox.STOPPABLE))


@router.post("/drafts/{draft_id}/cancel")
async def cancel(request: Request, draft_id: int) -> Response:
    who = viewer(request)
    form = await form_of(request, who)
    with transaction(request) as session:
        outbox.cancel(
            session,
            draft_id=draft_id,
            actor=reviews.actor_for(who.user),
            reason=str(form.get("reason") or ""),
        )
    return redirect(safe_next(str(form.get("next") or ""), f"/drafts/{draft_id}"))


@router.post("/drafts/{draft_id}/requeue")
async def requeue(request: Request, draft_id: int) -> Response:
    who = viewer(request)
    form = await form_of(request, who)
    with transaction(request) as session:
        outbox.back_to_queue(
            session,
            draft_id=draft_id,
            actor=reviews.actor_for(who.user),
            reason=str(form.get("reason") or ""),
        )
    return redirect(f"/drafts/{draft_id}")
