"""The review queue: reminder drafts a person approves, edits, rejects or snoozes."""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request, Response
from sqlalchemy.engine import Engine

from agent import runtime
from agent.models.draft import Draft, DraftStatus
from agent.services.review import outbox, reviews
from agent.services.review.reviews import QueueItem
from agent.settings import Settings
from api.deps import Approver, Reader, SessionDep, SettingsDep
from api.v1.idempotent import IdempotencyDep
from api.v1.schemas import (
    MAX_ID,
    ApproveIn,
    CancelIn,
    DraftInvoiceOut,
    DraftOut,
    EmailOut,
    RejectIn,
    RequeueIn,
    SnoozeIn,
)

log = logging.getLogger(__name__)
router = APIRouter(prefix="/drafts", tags=["drafts"])
DraftId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _out(item: QueueItem, view: outbox.EmailView | None = None) -> DraftOut:
    listed = [
        DraftInvoiceOut.model_validate(row.model_dump(warnings=False) | {"number": invoice.number})
        for row, invoice in item.invoices
    ]
    return DraftOut.model_validate(
        item.draft.model_dump(warnings=False)
        | {
            "invoices": listed,
            "risk_band": item.risk_band,
            "stale_reasons": item.stale_reasons,
            "email": _email_out(view) if view else None,
        }
    )


def _email_out(view: outbox.EmailView) -> EmailOut:
    email = view.email
    return EmailOut(
        status=view.status,
        from_addr=email.from_addr,
        to_addrs=email.to_addrs,
        reply_to=email.reply_to,
        subject=email.subject,
        text_body=email.text_body,
        attachments=email.attachment_names,
        hold_reason=view.hold_reason,
        send_after=view.send_after,
        message_id=view.message_id,
    )


def _resume_after_commit(engine: Engine, draft_id: int, settings: Settings) -> None:
    """Hand the stored decision to the paused agent thread; the decision stands regardless."""
    try:
        runtime.resume_thread(engine, draft_id=draft_id, settings=settings)
    except Exception:  # the decision is committed; a resume failure is retried by the sweep
        log.exception("could not resume the thread of draft %s", draft_id)


def _decided(
    draft: Draft, request: Request, background: BackgroundTasks, settings: Settings
) -> None:
    background.add_task(_resume_after_commit, request.app.state.engine, draft.id, settings)


@router.get("", summary="The review queue", response_model=list[DraftOut])
def list_drafts(
    session: SessionDep,
    settings: SettingsDep,
    caller: Reader,
    status: DraftStatus = DraftStatus.PENDING_REVIEW,
    owner_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> list[DraftOut]:
    """Owners see drafts for their invoices; admins see everyone's."""
    items = reviews.queue(
        session,
        viewer=caller.user,
        owner_id=owner_id,
        status=status,
        as_of=date.today(),
        settings=settings,
    )
    return [_out(item) for item in items]


@router.get("/{draft_id}", summary="Get a draft", response_model=DraftOut)
def get_draft(
    draft_id: DraftId, session: SessionDep, settings: SettingsDep, caller: Reader
) -> DraftOut:
    item = reviews.item(
        session, draft_id=draft_id, viewer=caller.user, as_of=date.today(), settings=settings
    )
    return _out(item, outbox.email_for_draft(session, draft=item.draft, settings=settings))


def _item_out(session: SessionDep, draft: Draft, caller: Approver, settings: Settings) -> DraftOut:
    item = reviews.item(
        session, draft_id=draft.id, viewer=caller.user, as_of=date.today(), settings=settings
    )
    return _out(item, outbox.email_for_draft(session, draft=item.draft, settings=settings))


@router.post("/{draft_id}/approve", summary="Approve (optionally edited)", response_model=DraftOut)
def approve_draft(
    draft_id: DraftId,
    body: ApproveIn,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    caller: Approver,
    idem: IdempotencyDep,
) -> Response:
    """Stores the decision and queues the e-mail (``send_now`` skips the send window)."""

    def produce() -> DraftOut:
        draft = reviews.approve(
            session,
            draft_id=draft_id,
            viewer=caller.user,
            settings=settings,
            final_subject=body.subject,
            final_body=body.body,
            send_now=body.send_now,
            actor=caller.actor,
        )
        _decided(draft, request, background, settings)
        return _item_out(session, draft, caller, settings)

    return idem.respond(session, caller, status_code=200, produce=produce)


@router.post("/{draft_id}/reject", summary="Reject with a reason", response_model=DraftOut)
def reject_draft(
    draft_id: DraftId,
    body: RejectIn,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    caller: Approver,
    idem: IdempotencyDep,
) -> Response:
    def produce() -> DraftOut:
        draft = reviews.reject(
            session, draft_id=draft_id, viewer=caller.user, reason=body.reason, actor=caller.actor
        )
        _decided(draft, request, background, settings)
        return _item_out(session, draft, caller, settings)

    return idem.respond(session, caller, status_code=200, produce=produce)


@router.post("/{draft_id}/snooze", summary="Hide until a later day", response_model=DraftOut)
def snooze_draft(
    draft_id: DraftId,
    body: SnoozeIn,
    session: SessionDep,
    settings: SettingsDep,
    caller: Approver,
    idem: IdempotencyDep,
) -> Response:
    def produce() -> DraftOut:
        draft = reviews.snooze(
            session, draft_id=draft_id, viewer=caller.user, until=body.until, actor=caller.actor
        )
        return _item_out(session, draft, caller, settings)

    return idem.respond(session, caller, status_code=200, produce=produce)


@router.post(
    "/{draft_id}/cancel", summary="Cancel an approved, unsent e-mail", response_model=DraftOut
)
def cancel_draft(
    draft_id: DraftId,
    body: CancelIn,
    session: SessionDep,
    settings: SettingsDep,
    caller: Approver,
    idem: IdempotencyDep,
) -> Response:
    """Withdraws the e-mail for good; recorded in the history, webhook ``reminder.cancelled``."""

    def produce() -> DraftOut:
        draft = outbox.cancel(session, draft_id=draft_id, actor=caller.actor, reason=body.reason)
        return _item_out(session, draft, caller, settings)

    return idem.respond(session, caller, status_code=200, produce=produce)


@router.post(
    "/{draft_id}/requeue",
    summary="Send an approved, unsent e-mail back to the review queue",
    response_model=DraftOut,
)
def requeue_draft(
    draft_id: DraftId,
    body: RequeueIn,
    session: SessionDep,
    settings: SettingsDep,
    caller: Approver,
    idem: IdempotencyDep,
) -> Response:
    """Takes the approval back: the draft awaits review again (webhook ``reminder.requeued``)."""

    def produce() -> DraftOut:
        draft = outbox.back_to_queue(
            session, draft_id=draft_id, actor=caller.actor, reason=body.reason
        )
        return _item_out(session, draft, caller, settings)

    return idem.respond(session, caller, status_code=200, produce=produce)
