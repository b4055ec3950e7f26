"""The invoice page (history and ledger actions) and the outbox actions."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response
from sqlmodel import Session

from agent import formatting
from agent.actor import Actor
from agent.errors import Forbidden, InvalidAmount, InvalidDate, PaytrackError
from agent.models import Invoice, UserRole
from agent.services.access import users
from agent.services.ledger import clients, invoices, payments
from agent.services.review import outbox, reviews
from api.pages import replies
from api.pages.common import (
    PageRoute,
    Viewer,
    form_of,
    locale_of,
    redirect,
    render,
    settings_of,
    transaction,
    viewer,
)

router = APIRouter(route_class=PageRoute)
ACTIONS = (
    "payment",
    "note",
    "promise",
    "dispute",
    "resolve",
    "pause",
    "resume",
    "reassign",
    "extend",
)


def _invoice_page(
    request: Request, who: Viewer, invoice_id: int, *, status_code: int = 200, **extra: object
) -> Response:
    with transaction(request) as session:
        view = reviews.invoice_view(
            session,
            invoice_id=invoice_id,
            viewer=who.user,
            as_of=date.today(),
            settings=settings_of(request),
        )
        owners = users.list_users(session) if who.user.role == UserRole.ADMIN else []
    return render(
        request,
        "invoice.html",
        who,
        status_code=status_code,
        view=view,
        owners=owners,
        conversation=replies.invoice_conversation(request, who, invoice_id),
        **extra,
    )


@router.get("/invoices/{invoice_id}")
def invoice_page(request: Request, invoice_id: int, done: str | None = None) -> Response:
    who = viewer(request)
    notice = "Saved." if done in ACTIONS else None
    return _invoice_page(request, who, invoice_id, notice=notice)


def _day(value: object, field: str) -> date:
    try:
        return date.fromisoformat(str(value or ""))
    except ValueError:
        raise InvalidDate(f"{field} must be a date (YYYY-MM-DD)", field=field) from None


def _amount(
    request: Request, session: Session, typed: object, invoice: Invoice, actor: Actor
) -> int:
    """The amount as the viewer typed it, in their locale or, failing that, the client's."""
    text = str(typed or "")
    try:
        return formatting.parse_amount(text, invoice.currency, locale_of(request), field="amount")
    except InvalidAmount:
        language = clients.read(session, client_id=invoice.client_id, actor=actor).language
        return formatting.parse_amount(text, invoice.currency, language, field="amount")


@router.post("/invoices/{invoice_id}/{action}")
async def invoice_action(request: Request, invoice_id: int, action: str) -> Response:
    who = viewer(request)
    form = await form_of(request, who)
    if action not in ACTIONS:
        raise Forbidden(f"unknown action {action!r}", field="action")
    actor = reviews.actor_for(who.user)
    try:
        with transaction(request) as session:
            invoice = invoices.get(session, invoice_id=invoice_id, actor=actor)
            text = str(form.get("text") or form.get("reason") or "").strip()
            if action == "payment":
                payments.record(
                    session,
                    invoice_id=invoice_id,
                    amount_minor=_amount(request, session, form.get("amount"), invoice, actor),
                    currency=invoice.currency,
                    payment_date=_day(form.get("date"), "date"),
                    actor=actor,
                    settings=settings_of(request),
                    method=str(form.get("method") or "") or None,
                    reference=str(form.get("reference") or "") or None,
                )
            elif action == "extend":
                invoices.extend_due_date(
                    session,
                    invoice_id=invoice_id,
                    new_due_date=_day(form.get("date"), "date"),
                    reason=text,
                    actor=actor,
                    settings=settings_of(request),
                )
            elif action == "note":
                invoices.add_note(session, invoice_id=invoice_id, text=text, actor=actor)
            elif action == "promise":
                invoices.record_promise(
                    session,
                    invoice_id=invoice_id,
                    promised_date=_day(form.get("date"), "date"),
                    note=text,
                    actor=actor,
                    settings=settings_of(request),
                )
            elif action == "dispute":
                invoices.open_dispute(
                    session,
                    invoice_id=invoice_id,
                    reason=text,
                    opened_date=date.today(),
                    actor=actor,
                    settings=settings_of(request),
                )
            elif action == "resolve":
                invoices.resolve_dispute(
                    session,
                    invoice_id=invoice_id,
                    resolution=text,
                    resolved_date=date.today(),
                    actor=actor,
                    settings=settings_of(request),
                )
            elif action in ("pause", "resume"):
                invoices.set_reminders_paused(
                    session,
                    invoice_id=invoice_id,
                    paused=action == "pause",
                    reason=text,
                    actor=actor,
                    until=_day(form.get("until"), "until") if form.get("until") else None,
                )
            else:
                reviews.reassign_owner(
                    session,
                    invoice_id=invoice_id,
                    owner_id=int(str(form.get("owner_id") or "0")),
                    actor=actor,
                )
    except Forbidden:
        raise
    except PaytrackError as exc:
        if exc.status == 404:
            raise
        return _invoice_page(
            request,
            who,
            invoice_id,
            status_code=exc.status,
            error=exc,
            failed=action,
            errors={exc.field or "text": exc.message},
            values=form,
        )
    return redirect(f"/invoices/{invoice_id}?done={action}")


@router.post("/outbox/{message_id}/{action}")
async def outbox_action(request: Request, message_id: int, action: str) -> Response:
    who = viewer(request)
    await form_of(request, who)
    if action not in ("confirm", "resend"):
        raise Forbidden(f"unknown action {action!r}", field="action")
    with transaction(request) as session:
        if action == "confirm":
            outbox.confirm_delivered(session, message_id=message_id, viewer=who.user)
        else:
            outbox.resend(session, message_id=message_id, viewer=who.user)
    return redirect("/notifications")
