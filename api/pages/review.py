"""The review queue and the actions on a draft: approve (with edits), reject, snooze, redraft."""

from __future__ import annotations

import difflib
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from agent import runtime
from agent.errors import (
    DraftAlreadyDecided,
    EditRefused,
    InvalidDate,
    InvalidInput,
    PaytrackError,
)
from agent.models import User, UserRole
from agent.models.draft import DraftStatus, Tone
from agent.services.access import users
from agent.services.reporting.invoice_table import parse_choice
from agent.services.review import drafts, outbox, queue_view, reviews
from api.pages import replies
from api.pages.common import PageRoute, form_of, redirect, render, settings_of, transaction, viewer

router = APIRouter(route_class=PageRoute)

NOTICES = {
    "approved": "Approved. The e-mail is in the outbox and goes out at the time shown.",
    "sent-now": "Approved to send now. The e-mail is in the outbox for immediate delivery.",
    "rejected": "Rejected. The reason is recorded and nothing will be sent.",
    "snoozed": "Snoozed. The draft comes back on the chosen day.",
    "redrafted": "A fresh draft replaces the old one.",
    "bulk": "The selected drafts were approved.",
    "bulk-none": "Nothing was selected, so nothing was approved. Tick the drafts to approve.",
    "reply-accepted": "Done. The action is recorded with the reply as its source.",
    "reply-ignored": "Ignored. The client's reminders resume.",
}


def _owners(request: Request, who: User) -> list[User]:
    if who.role != UserRole.ADMIN:
        return []
    with transaction(request) as session:
        return users.list_users(session)


STATUSES = {
    "pending": DraftStatus.PENDING_REVIEW,
    "approved": DraftStatus.APPROVED,
    "sent": DraftStatus.SENT,
    "rejected": DraftStatus.REJECTED,
    "held": DraftStatus.HELD,
    "cancelled": DraftStatus.CANCELLED,
    "withdrawn": DraftStatus.WITHDRAWN,
}
FILTERS = ("q", "owner_id", "risk", "tone", "milestone", "language", "stale", "sort")


def _queue_query(params: dict[str, str], page: int) -> queue_view.QueueQuery:
    stale = params.get("stale") or ""
    if stale not in ("", "yes", "no"):
        raise InvalidInput("stale must be yes or no", field="stale")
    return queue_view.QueueQuery(
        search=params.get("q") or "",
        risk_band=params.get("risk") or None,
        tone=params.get("tone") or None,
        milestone=params.get("milestone") or None,
        language=params.get("language") or None,
        stale=None if not stale else stale == "yes",
        sort=parse_choice(queue_view.QueueSort, params.get("sort"), "sort")
        or queue_view.QueueSort.SEND_TIME,
        page=page,
    )


@router.get("/queue")
def queue_page(
    request: Request,
    owner: str | None = Query(None, alias="owner_id"),
    notice: str | None = None,
    show: str = "pending",
    page: int = 1,
) -> Response:
    who = viewer(request)
    if owner and not owner.isdigit():
        raise InvalidInput("owner_id must be a user id", field="owner_id")
    owner_id = int(owner) if owner else None
    settings = settings_of(request)
    today = date.today()
    status = STATUSES.get(show, DraftStatus.PENDING_REVIEW)
    params = {k: v for k, v in request.query_params.items() if k in FILTERS and v}
    query = _queue_query(params, page)
    with transaction(request) as session:
        items = reviews.queue(
            session,
            viewer=who.user,
            owner_id=owner_id,
            status=status,
            as_of=today,
            settings=settings,
        )
        snoozed = (
            [
                i
                for i in reviews.queue(
                    session,
                    viewer=who.user,
                    owner_id=owner_id,
                    as_of=today,
                    settings=settings,
                    include_snoozed=True,
                )
                if i.draft.snoozed_until and i.draft.snoozed_until > today
            ]
            if status == DraftStatus.PENDING_REVIEW
            else []
        )
    shown = queue_view.page_of(items, query)
    return render(
        request,
        "queue.html",
        who,
        items=shown.items,
        view=shown,
        params=params,
        base_query=urlencode({**params, "show": show}),
        snoozed=snoozed,
        owners=_owners(request, who.user),
        owner_id=owner_id,
        show=show,
        notice=NOTICES.get(notice or ""),
        tones=list(Tone),
        sorts=list(queue_view.QueueSort),
        reply_cards=replies.pending_cards(request, who) if show == "pending" else [],
    )


@router.get("/drafts/{draft_id}")
def draft_page(request: Request, draft_id: int, error: str | None = None) -> Response:
    who = viewer(request)
    settings = settings_of(request)
    with transaction(request) as session:
        item = reviews.item(
            session, draft_id=draft_id, viewer=who.user, as_of=date.today(), settings=settings
        )
        message = outbox.find_for_draft(session, draft_id=draft_id)
        view = outbox.email_for_draft(session, draft=item.draft, settings=settings)
    return render(
        request,
        "draft.html",
        who,
        item=item,
        message=message,
        view=view,
        stoppable=set(outbox.STOPPABLE),
        tones=list(Tone),
    )


def _decided_page(
    request: Request, who, draft_id: int, exc: PaytrackError, **context: Any
) -> Response:
    """A repeated or late decision: show what happened instead of doing it twice."""
    settings = settings_of(request)
    with transaction(request) as session:
        item = reviews.item(
            session, draft_id=draft_id, viewer=who.user, as_of=date.today(), settings=settings
        )
        message = outbox.find_for_draft(session, draft_id=draft_id)
        view = outbox.email_for_draft(session, draft=item.draft, settings=settings)
    return render(
        request,
        "draft.html",
        who,
        status_code=exc.status,
        item=item,
        message=message,
        view=view,
        stoppable=set(outbox.STOPPABLE),
        tones=list(Tone),
        error=exc,
        **context,
    )


def _refused_edit_page(
    request: Request, who, draft_id: int, exc: EditRefused, *, subject: str, body: str
) -> Response:
    """The edit stays in the form, the violations beside it, and a diff against the draft."""
    with transaction(request) as session:
        draft = drafts.get(session, draft_id=draft_id)
        original = f"Subject: {draft.subject}\n\n{draft.body}"
    diff = "\n".join(
        difflib.unified_diff(
            original.splitlines(),
            f"Subject: {subject}\n\n{body}".splitlines(),
            "draft",
            "your edit",
            lineterm="",
        )
    )
    return _decided_page(
        request,
        who,
        draft_id,
        exc,
        edit={"subject": subject, "body": body},
        violations=exc.violations,
        diff=diff,
    )


async def _resume(request: Request, draft_id: int) -> None:
    await run_in_threadpool(
        runtime.resume_thread,
        request.app.state.engine,
        draft_id=draft_id,
        settings=settings_of(request),
    )


@router.post("/drafts/{draft_id}/approve")
async def approve(request: Request, draft_id: int) -> Response:
    who = viewer(request)
    form = await form_of(request, who)
    send_now = form.get("send_now") == "1"
    subject, body = form.get("subject"), _newlines(form.get("body"))
    try:
        with transaction(request) as session:
            reviews.approve(
                session,
                draft_id=draft_id,
                viewer=who.user,
                settings=settings_of(request),
                final_subject=subject,
                final_body=body,
                send_now=send_now,
                as_of=date.today(),
            )
    except EditRefused as exc:
        return _refused_edit_page(
            request, who, draft_id, exc, subject=str(subject or ""), body=str(body or "")
        )
    except (DraftAlreadyDecided, InvalidInput) as exc:
        return _decided_page(request, who, draft_id, exc)
    except PaytrackError as exc:
        if exc.status == 409:  # stale: show why, with the redraft button
            return _decided_page(request, who, draft_id, exc)
        raise
    await _resume(request, draft_id)
    return redirect(f"/queue?notice={'sent-now' if send_now else 'approved'}")


def _newlines(text: str | None) -> str | None:
    return text.replace("\r\n", "\n") if text is not None else None


@router.post("/drafts/{draft_id}/reject")
async def reject(request: Request, draft_id: int) -> Response:
    who = viewer(request)
    form = await form_of(request, who)
    try:
        with transaction(request) as session:
            reviews.reject(
                session, draft_id=draft_id, viewer=who.user, reason=str(form.get("reason") or "")
            )
    except (DraftAlreadyDecided, InvalidInput) as exc:
        return _decided_page(request, who, draft_id, exc)
    await _resume(request, draft_id)
    return redirect("/queue?notice=rejected")


@router.post("/drafts/{draft_id}/snooze")
async def snooze(request: Request, draft_id: int) -> Response:
    who = viewer(request)
    form = await form_of(request, who)
    try:
        until = date.fromisoformat(str(form.get("until") or ""))
    except ValueError:
        return _decided_page(request, who, draft_id, InvalidDate("pick a date", field="until"))
    try:
        with transaction(request) as session:
            reviews.snooze(session, draft_id=draft_id, viewer=who.user, until=until)
    except (DraftAlreadyDecided, InvalidInput) as exc:
        return _decided_page(request, who, draft_id, exc)
    return redirect("/queue?notice=snoozed")


@router.post("/drafts/{draft_id}/redraft")
async def redraft(request: Request, draft_id: int) -> Response:
    who = viewer(request)
    form = await form_of(request, who)
    tone_text = str(form.get("tone") or "")
    tone = Tone(tone_text) if tone_text in {t.value for t in Tone} else None
    try:
        new_id = await run_in_threadpool(
            runtime.redraft,
            request.app.state.engine,
            draft_id=draft_id,
            viewer=who.user,
            settings=settings_of(request),
            tone=tone,
        )
    except DraftAlreadyDecided as exc:
        return _decided_page(request, who, draft_id, exc)
    return redirect(f"/drafts/{new_id}")


@router.post("/queue/bulk-approve")
async def bulk_approve(request: Request) -> Response:
    who = viewer(request)
    form = await form_of(request, who)
    ids = [int(v) for v in form.get("draft_id") or [] if str(v).isdigit()]
    if not ids:
        return redirect("/queue?notice=bulk-none")
    problems: list[str] = []
    approved: list[int] = []
    for draft_id in ids:
        try:
            with transaction(request) as session:
                reviews.approve(
                    session,
                    draft_id=draft_id,
                    viewer=who.user,
                    settings=settings_of(request),
                    as_of=date.today(),
                )
            approved.append(draft_id)
        except PaytrackError as exc:
            problems.append(f"draft {draft_id}: {exc.message}")
    for draft_id in approved:
        await _resume(request, draft_id)
    if problems:
        settings = settings_of(request)
        with transaction(request) as session:
            items = reviews.queue(session, viewer=who.user, as_of=date.today(), settings=settings)
        shown = queue_view.page_of(items, queue_view.QueueQuery())
        return render(
            request,
            "queue.html",
            who,
            status_code=200 if approved else 409,
            items=shown.items,
            view=shown,
            params={},
            base_query="show=pending",
            snoozed=[],
            owners=_owners(request, who.user),
            owner_id=None,
            show="pending",
            notice=f"{len(approved)} approved.",
            problems=problems,
            tones=list(Tone),
            sorts=list(queue_view.QueueSort),
        )
    return redirect("/queue?notice=bulk")
