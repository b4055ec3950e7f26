"""The client pages: the list, one client's page, and editing every client field."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response

from agent.errors import Forbidden, InvalidInput, PaytrackError
from agent.models import ClientUpdate
from agent.services.ledger import clients
from agent.services.reporting import client_overview
from agent.services.review import reviews
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
TEXT_FIELDS = ("name", "language", "country", "timezone", "currency", "notes")


@router.get("/clients")
def clients_page(request: Request, q: str = "") -> Response:
    who = viewer(request)
    with transaction(request) as session:
        listed = clients.list_visible(session, actor=reviews.actor_for(who.user), search=q)
    return render(request, "clients.html", who, clients=listed, q=q)


def _client_page(
    request: Request, who: Viewer, client_id: int, *, status_code: int = 200, **extra: Any
) -> Response:
    with transaction(request) as session:
        view = client_overview.overview(
            session,
            client_id=client_id,
            actor=reviews.actor_for(who.user),
            as_of=date.today(),
            settings=settings_of(request),
        )
    return render(request, "client.html", who, status_code=status_code, view=view, **extra)


@router.get("/clients/{client_id}")
def client_page(request: Request, client_id: int, done: str | None = None) -> Response:
    who = viewer(request)
    notice = {"saved": "Saved.", "paused": "Reminders paused.", "resumed": "Reminders resumed."}
    return _client_page(request, who, client_id, notice=notice.get(done or ""))


def changes_from(form: dict[str, Any]) -> ClientUpdate:
    """The edit form as a partial change: text fields as typed, e-mails one per line or comma."""
    data: dict[str, Any] = {field: str(form.get(field) or "") for field in TEXT_FIELDS}
    data["country"] = data["country"] or None
    data["notes"] = data["notes"] or None
    emails = str(form.get("contact_emails") or "").replace(",", "\n").replace(";", "\n")
    data["contact_emails"] = [e.strip() for e in emails.splitlines() if e.strip()]
    terms = str(form.get("default_terms_days") or "").strip()
    if terms:
        data["default_terms_days"] = int(terms) if terms.isdigit() else -1
    return ClientUpdate.model_construct(_fields_set=set(data), **data)


@router.post("/clients/{client_id}/edit")
async def edit_client(request: Request, client_id: int) -> Response:
    who = viewer(request)
    form = await form_of(request, who)
    try:
        changes = changes_from(form)
        if changes.default_terms_days is not None and not 0 <= changes.default_terms_days <= 365:
            raise InvalidInput(
                "payment terms are whole days from 0 to 365", field="default_terms_days"
            )
        with transaction(request) as session:
            clients.update(
                session, client_id=client_id, changes=changes, actor=reviews.actor_for(who.user)
            )
    except PaytrackError as exc:
        if exc.status == 404:
            raise
        errors = {exc.field or "form": exc.message}
        return _client_page(
            request, who, client_id, status_code=exc.status, errors=errors, values=form
        )
    return redirect(f"/clients/{client_id}?done=saved")


@router.post("/clients/{client_id}/{action}")
async def pause_client(request: Request, client_id: int, action: str) -> Response:
    who = viewer(request)
    await form_of(request, who)
    if action not in ("pause", "resume"):
        raise Forbidden(f"unknown action {action!r}", field="action")
    with transaction(request) as session:
        clients.update(
            session,
            client_id=client_id,
            changes=ClientUpdate(reminders_paused=action == "pause"),
            actor=reviews.actor_for(who.user),
        )
    return redirect(f"/clients/{client_id}?done={action}d")
