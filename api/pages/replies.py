"""Reply cards in the queue and the owner's decision on a reply (accept, edit, ignore)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response

from agent.models.reply import ReplyStatus
from agent.services.replies import conversation, replies, views
from agent.services.replies.reading import build_reader
from agent.services.review import reviews
from api.pages.common import PageRoute, Viewer, form_of, redirect, settings_of, transaction, viewer

router = APIRouter(route_class=PageRoute)
EDIT_FIELDS = ("action", "promised_date", "reason", "amount", "payment_date", "reference", "note")


def pending_cards(request: Request, who: Viewer) -> list[dict[str, Any]]:
    """The viewer's replies waiting for a decision, for the top of the queue."""
    with transaction(request) as session:
        found = replies.list_replies(
            session, actor=reviews.actor_for(who.user), status=ReplyStatus.PENDING
        )
        return views.describe(session, found)


def invoice_conversation(request: Request, who: Viewer, invoice_id: int) -> list[Any]:
    with transaction(request) as session:
        return conversation.for_invoice(
            session, invoice_id=invoice_id, actor=reviews.actor_for(who.user)
        )


@router.post("/replies/{reply_id}/accept")
async def accept_reply(request: Request, reply_id: int) -> Response:
    who = viewer(request)
    form = await form_of(request, who)
    edits = {k: str(form[k]).strip() for k in EDIT_FIELDS if str(form.get(k) or "").strip()}
    with transaction(request) as session:
        replies.accept(
            session,
            reply_id=reply_id,
            actor=reviews.actor_for(who.user),
            settings=settings_of(request),
            edits=edits,
            as_of=date.today(),
        )
    return redirect(f"/queue?notice=reply-accepted#reply-{reply_id}")


@router.post("/replies/{reply_id}/ignore")
async def ignore_reply(request: Request, reply_id: int) -> Response:
    who = viewer(request)
    form = await form_of(request, who)
    with transaction(request) as session:
        replies.ignore(
            session,
            reply_id=reply_id,
            actor=reviews.actor_for(who.user),
            note=str(form.get("note") or ""),
        )
    return redirect("/queue?notice=reply-ignored")


@router.post("/replies/{reply_id}/assign")
async def assign_reply(request: Request, reply_id: int) -> Response:
    who = viewer(request)
    form = await form_of(request, who)
    numbers = [n.strip() for n in str(form.get("invoice_numbers") or "").split(",") if n.strip()]
    settings = settings_of(request)
    with transaction(request) as session:
        replies.assign(
            session,
            reply_id=reply_id,
            invoice_numbers=numbers,
            actor=reviews.actor_for(who.user),
            settings=settings,
            reader=build_reader(settings),
        )
    return redirect(f"/queue#reply-{reply_id}")
