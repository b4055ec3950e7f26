"""What every page needs: templates, the signed-in viewer, CSRF, safe redirects, HTML errors."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from sqlalchemy.engine import Engine
from sqlmodel import Session

from agent import formatting
from agent.db import session_scope
from agent.errors import Forbidden, PaytrackError
from agent.models import User, UserSession
from agent.services.access import web_sessions
from agent.services.review import outbox
from agent.settings import Settings
from api.pages.labels import label

COOKIE = "paytrack_session"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))
TEMPLATES.env.autoescape = True


@pass_context
def _money(context: Any, minor: int, currency: str) -> str:
    return formatting.money(int(minor), currency, context.get("locale", formatting.DEFAULT_LOCALE))


@pass_context
def _number(context: Any, value: int | float) -> str:
    return formatting.number(value, context.get("locale", formatting.DEFAULT_LOCALE))


TEMPLATES.env.filters["money"] = _money
TEMPLATES.env.filters["number"] = _number
TEMPLATES.env.filters["label"] = label
TEMPLATES.env.globals["plural"] = formatting.plural


class SignInRequired(Exception):
    """Raised by ``viewer`` when no valid session cookie came with the request."""


class CsrfFailed(Forbidden):
    title = "Form expired"


@dataclass(frozen=True)
class Viewer:
    user: User
    session_row: UserSession

    @property
    def csrf(self) -> str:
        return self.session_row.csrf_token


def engine_of(request: Request) -> Engine:
    return request.app.state.engine


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


@contextmanager
def transaction(request: Request) -> Iterator[Session]:
    """The one transaction of a page action; it commits before the response is built."""
    with session_scope(engine_of(request)) as session:
        yield session


def viewer(request: Request) -> Viewer:
    with transaction(request) as session:
        found = web_sessions.current(session, token=request.cookies.get(COOKIE))
    if found is None:
        raise SignInRequired()
    return Viewer(user=found[0], session_row=found[1])


async def form_of(request: Request, who: Viewer) -> dict[str, Any]:
    """The posted form, after checking its CSRF token against the viewer's session."""
    form = await request.form()
    if not web_sessions.csrf_matches(who.session_row, str(form.get("csrf") or "")):
        raise CsrfFailed("the form expired or did not come from this site; reload and try again")
    return {key: form.getlist(key) if key == "draft_id" else form.get(key) for key in form}


def safe_next(target: str | None, default: str = "/queue") -> str:
    """Only same-site relative paths: no scheme, no host, no ``//`` or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def locale_of(request: Request) -> str:
    """The viewer's locale for numbers and dates, from the browser's ``Accept-Language``."""
    return formatting.locale_from_header(request.headers.get("accept-language"))


def render(
    request: Request,
    name: str,
    who: Viewer | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    settings = settings_of(request)
    return TEMPLATES.TemplateResponse(
        request,
        name,
        {
            "viewer": who.user if who else None,
            "csrf": who.csrf if who else "",
            "is_admin": bool(who and who.user.role == "admin"),
            "mail_leaves": outbox.leaves_machine(settings),
            "outbox_dir": settings.data_dir / "outbox",
            "today": date.today(),
            "locale": locale_of(request),
            "path": request.url.path,
            **context,
        },
        status_code=status_code,
    )


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(safe_next(path), status_code=303)


def _error_page(request: Request, exc: PaytrackError) -> Response:
    try:
        who: Viewer | None = viewer(request)
    except SignInRequired:
        who = None
    return render(request, "error.html", who, status_code=exc.status, error=exc)


class PageRoute(APIRoute):
    """Page routes answer service errors with an HTML page and send strangers to sign in."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                target = request.url.path
                if request.url.query and request.method == "GET":
                    target += "?" + request.url.query
                return RedirectResponse(f"/sign-in?next={quote(target)}", status_code=303)
            except PaytrackError as exc:
                return _error_page(request, exc)

        return handle
