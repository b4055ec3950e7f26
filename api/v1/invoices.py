"""Invoices: create, read, update details, list with filters, history, and the ledger actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, UploadFile
from sqlmodel import Session

from agent.actor import Actor
from agent.models import Invoice, InvoiceCreate
from agent.services.access.api_keys import Caller
from agent.services.ledger import documents, history, invoices, payments
from agent.services.ledger.invoice_search import InvoiceFilter, InvoiceHit, InvoiceSort, search
from agent.services.ledger.standing import State
from agent.services.review import reviews
from agent.services.scoring import risk_scores
from agent.settings import Settings
from api.deps import Reader, SessionDep, SettingsDep, Writer
from api.v1.idempotent import Idempotency, IdempotencyDep
from api.v1.responses import json_response
from api.v1.schemas import (
    MAX_ID,
    CloseIn,
    Day,
    DisputeIn,
    ExtendIn,
    InvoiceEventOut,
    InvoiceIn,
    InvoiceOut,
    InvoicePatch,
    NoteIn,
    Page,
    PauseIn,
    PaymentOut,
    PromiseIn,
    ReassignIn,
    ResolveIn,
    SendIn,
)

router = APIRouter(prefix="/invoices", tags=["invoices"])

InvoiceId = Annotated[int, Path(ge=1, le=MAX_ID, description="The invoice's id.")]
AsOf = Annotated[Day | None, Query(description="Day the status is derived for; defaults to today.")]


def invoice_out(
    invoice: Invoice,
    *,
    state: State,
    paid_minor: int,
    days_overdue: int,
    as_of: date,
    risk_band: str | None,
) -> InvoiceOut:
    return InvoiceOut.model_validate(
        {
            **invoice.model_dump(warnings=False),
            "paid_minor": paid_minor,
            "balance_minor": invoice.amount_minor - paid_minor,
            "status": state,
            "days_overdue": days_overdue,
            "as_of": as_of,
            "risk_band": risk_band,
        }
    )


def _hit_out(hit: InvoiceHit, as_of: date) -> InvoiceOut:
    return invoice_out(
        hit.invoice,
        state=hit.state,
        paid_minor=hit.paid_minor,
        days_overdue=hit.days_overdue,
        as_of=as_of,
        risk_band=hit.risk_band,
    )


def current(
    session: Session, invoice: Invoice, *, due_soon_days: int, as_of: date | None = None
) -> InvoiceOut:
    """The invoice with its standing on ``as_of`` (today) and latest risk band."""
    day = as_of or date.today()
    standing = invoices.standing(session, invoice=invoice, as_of=day, due_soon_days=due_soon_days)
    score = risk_scores.latest_score(session, invoice_id=invoice.id)
    return invoice_out(
        invoice,
        state=standing.state,
        paid_minor=standing.paid_minor,
        days_overdue=standing.days_overdue,
        as_of=day,
        risk_band=score.band if score is not None else None,
    )


@router.get("", summary="List invoices", response_model=Page[InvoiceOut])
def list_invoices(
    session: SessionDep,
    settings: SettingsDep,
    caller: Reader,
    status: Annotated[list[State] | None, Query(description="Derived status; repeatable.")] = None,
    owner_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    client_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    overdue: Annotated[bool | None, Query(description="Only (true) or no (false) overdue.")] = None,
    due_from: Annotated[Day | None, Query(description="Due on or after.")] = None,
    due_to: Annotated[Day | None, Query(description="Due on or before.")] = None,
    risk_band: Annotated[
        list[str] | None, Query(max_length=16, description="low, medium or high; repeatable.")
    ] = None,
    as_of: AsOf = None,
    sort: InvoiceSort = InvoiceSort.DUE_DATE,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[
        str | None, Query(max_length=500, description="next_cursor of the previous page.")
    ] = None,
) -> Response:
    """Keyset-paginated on (sort key, id): pages stay stable while invoices are added."""
    day = as_of or date.today()
    page = search(
        session,
        where=InvoiceFilter(
            as_of=day,
            due_soon_days=settings.due_soon_days,
            states=status or (),
            owner_id=owner_id,
            client_id=client_id,
            overdue=overdue,
            due_from=due_from,
            due_to=due_to,
            risk_bands=risk_band or (),
        ),
        actor=caller.actor,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    return json_response(
        Page[InvoiceOut](
            items=[_hit_out(hit, day) for hit in page.items], next_cursor=page.next_cursor
        ).model_dump_json()
    )


@router.post("", status_code=201, summary="Create an invoice", response_model=InvoiceOut)
def create_invoice(
    body: InvoiceIn,
    session: SessionDep,
    settings: SettingsDep,
    caller: Writer,
    idem: IdempotencyDep,
) -> Response:
    def produce() -> InvoiceOut:
        invoice = invoices.create(
            session, InvoiceCreate.model_validate(body.model_dump()), actor=caller.actor
        )
        return current(session, invoice, due_soon_days=settings.due_soon_days)

    return idem.respond(session, caller, status_code=201, produce=produce)


@router.get("/{invoice_id}", summary="Get an invoice", response_model=InvoiceOut)
def get_invoice(
    invoice_id: InvoiceId,
    session: SessionDep,
    settings: SettingsDep,
    caller: Reader,
    as_of: AsOf = None,
) -> InvoiceOut:
    invoice = invoices.get(session, invoice_id=invoice_id, actor=caller.actor)
    return current(session, invoice, due_soon_days=settings.due_soon_days, as_of=as_of)


@router.patch("/{invoice_id}", summary="Update descriptive fields", response_model=InvoiceOut)
def update_invoice(
    invoice_id: InvoiceId,
    body: InvoicePatch,
    session: SessionDep,
    settings: SettingsDep,
    caller: Writer,
) -> InvoiceOut:
    """Only the fields present in the body change; send null to clear one."""
    invoice = invoices.update_details(
        session,
        invoice_id=invoice_id,
        changes=body.model_dump(exclude_unset=True),
        actor=caller.actor,
    )
    return current(session, invoice, due_soon_days=settings.due_soon_days)


@router.get(
    "/{invoice_id}/events", summary="The invoice's history", response_model=list[InvoiceEventOut]
)
def invoice_events(
    invoice_id: InvoiceId, session: SessionDep, caller: Reader
) -> list[InvoiceEventOut]:
    invoices.get(session, invoice_id=invoice_id, actor=caller.actor)
    return [
        InvoiceEventOut.model_validate(e, from_attributes=True)
        for e in history.list_for_invoice(session, invoice_id=invoice_id)
    ]


@router.get(
    "/{invoice_id}/payments", summary="Payments on the invoice", response_model=list[PaymentOut]
)
def invoice_payments(
    invoice_id: InvoiceId, session: SessionDep, caller: Reader
) -> list[PaymentOut]:
    invoices.get(session, invoice_id=invoice_id, actor=caller.actor)
    return [
        PaymentOut.model_validate(p, from_attributes=True)
        for p in payments.list_for_invoice(session, invoice_id=invoice_id)
    ]


@dataclass(frozen=True)
class InvoiceAction:
    """What every invoice action route needs: the request's transaction, settings, the writing
    caller (whose actor the access rule applies to) and the idempotency key."""

    session: Session
    settings: Settings
    caller: Caller
    idem: Idempotency

    @property
    def actor(self) -> Actor:
        return self.caller.actor

    def run(self, change: Callable[[], Invoice]) -> Response:
        """Run the change under the idempotency key and answer with the invoice now."""

        def produce() -> InvoiceOut:
            return current(self.session, change(), due_soon_days=self.settings.due_soon_days)

        return self.idem.respond(self.session, self.caller, status_code=200, produce=produce)


def _invoice_action(
    session: SessionDep, settings: SettingsDep, caller: Writer, idem: IdempotencyDep
) -> InvoiceAction:
    return InvoiceAction(session=session, settings=settings, caller=caller, idem=idem)


ActionDep = Annotated[InvoiceAction, Depends(_invoice_action)]


def _today(value: date | None) -> date:
    return value or date.today()


@router.post(
    "/{invoice_id}/send", summary="Mark a draft invoice as sent", response_model=InvoiceOut
)
def send_invoice(
    invoice_id: InvoiceId,
    body: SendIn,
    action: ActionDep,
) -> Response:
    return action.run(
        lambda: invoices.mark_sent(
            action.session,
            invoice_id=invoice_id,
            sent_date=_today(body.sent_date),
            actor=action.actor,
        ),
    )


@router.post("/{invoice_id}/extend", summary="Move the due date later", response_model=InvoiceOut)
def extend_invoice(
    invoice_id: InvoiceId,
    body: ExtendIn,
    action: ActionDep,
) -> Response:
    return action.run(
        lambda: invoices.extend_due_date(
            action.session,
            invoice_id=invoice_id,
            new_due_date=body.new_due_date,
            reason=body.reason,
            actor=action.actor,
            settings=action.settings,
            agreed=body.agreed,
        ),
    )


@router.post("/{invoice_id}/dispute", summary="Open a dispute", response_model=InvoiceOut)
def open_dispute(
    invoice_id: InvoiceId,
    body: DisputeIn,
    action: ActionDep,
) -> Response:
    return action.run(
        lambda: invoices.open_dispute(
            action.session,
            invoice_id=invoice_id,
            reason=body.reason,
            opened_date=_today(body.opened_date),
            actor=action.actor,
            settings=action.settings,
        ),
    )


@router.post(
    "/{invoice_id}/dispute/resolve", summary="Resolve the open dispute", response_model=InvoiceOut
)
def resolve_dispute(
    invoice_id: InvoiceId,
    body: ResolveIn,
    action: ActionDep,
) -> Response:
    return action.run(
        lambda: invoices.resolve_dispute(
            action.session,
            invoice_id=invoice_id,
            resolution=body.resolution,
            resolved_date=_today(body.resolved_date),
            actor=action.actor,
            settings=action.settings,
        ),
    )


@router.post("/{invoice_id}/promise", summary="Record a promise to pay", response_model=InvoiceOut)
def promise_to_pay(
    invoice_id: InvoiceId,
    body: PromiseIn,
    action: ActionDep,
) -> Response:
    return action.run(
        lambda: invoices.record_promise(
            action.session,
            invoice_id=invoice_id,
            promised_date=body.promised_date,
            note=body.note,
            actor=action.actor,
            settings=action.settings,
        ),
    )


@router.post("/{invoice_id}/pause", summary="Pause or resume reminders", response_model=InvoiceOut)
def pause_reminders(
    invoice_id: InvoiceId,
    body: PauseIn,
    action: ActionDep,
) -> Response:
    return action.run(
        lambda: invoices.set_reminders_paused(
            action.session,
            invoice_id=invoice_id,
            paused=body.paused,
            reason=body.reason,
            actor=action.actor,
            until=body.until,
        ),
    )


@router.post("/{invoice_id}/notes", summary="Add a note to the history", response_model=InvoiceOut)
def add_note(
    invoice_id: InvoiceId,
    body: NoteIn,
    action: ActionDep,
) -> Response:
    return action.run(
        lambda: invoices.add_note(
            action.session, invoice_id=invoice_id, text=body.text, actor=action.actor
        ),
    )


@router.post("/{invoice_id}/write-off", summary="Write off the balance", response_model=InvoiceOut)
def write_off(
    invoice_id: InvoiceId,
    body: CloseIn,
    action: ActionDep,
) -> Response:
    return action.run(
        lambda: invoices.write_off(
            action.session,
            invoice_id=invoice_id,
            closed_date=_today(body.closed_date),
            reason=body.reason,
            actor=action.actor,
        ),
    )


@router.post(
    "/{invoice_id}/void", summary="Void an invoice without payments", response_model=InvoiceOut
)
def void_invoice(
    invoice_id: InvoiceId,
    body: CloseIn,
    action: ActionDep,
) -> Response:
    return action.run(
        lambda: invoices.void(
            action.session,
            invoice_id=invoice_id,
            closed_date=_today(body.closed_date),
            reason=body.reason,
            actor=action.actor,
        ),
    )


@router.post(
    "/{invoice_id}/reassign", summary="Give the invoice another owner", response_model=InvoiceOut
)
def reassign(
    invoice_id: InvoiceId,
    body: ReassignIn,
    action: ActionDep,
) -> Response:
    return action.run(
        lambda: reviews.reassign_owner(
            action.session, invoice_id=invoice_id, owner_id=body.owner_id, actor=action.actor
        ),
    )


@router.post(
    "/{invoice_id}/document",
    summary="Upload the invoice document (PDF, PNG or JPEG) that reminders attach",
    response_model=InvoiceOut,
)
def upload_document(
    invoice_id: InvoiceId,
    file: UploadFile,
    session: SessionDep,
    settings: SettingsDep,
    caller: Writer,
) -> InvoiceOut:
    """Multipart form field ``file``; the type is read from the bytes, the size is capped."""
    content = file.file.read(settings.document_max_bytes + 1)
    invoice = documents.attach(
        session,
        invoice_id=invoice_id,
        content=content,
        filename=file.filename or "document",
        data_dir=settings.data_dir,
        max_bytes=settings.document_max_bytes,
        actor=caller.actor,
    )
    return current(session, invoice, due_soon_days=settings.due_soon_days)
