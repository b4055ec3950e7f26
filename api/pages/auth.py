"""Sign-in and sign-out pages."""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from agent.errors import NotFound, Unauthorized
from agent.services.access import web_sessions
from api.pages.common import (
    COOKIE,
    PageRoute,
    SignInRequired,
    form_of,
    redirect,
    render,
    safe_next,
    settings_of,
    transaction,
    viewer,
)

router = APIRouter(route_class=PageRoute)
PRE_SESSION_COOKIE = "paytrack_sign_in"
STATIC = Path(__file__).parent.parent / "static"


ASSETS = {
    "paytrack.css": "text/css",
    "paytrack.js": "text/javascript",
    "favicon.svg": "image/svg+xml",
}


@router.get("/static/{name}")
def asset(name: str) -> FileResponse:
    """The pages' own files; anything else is a 404."""
    if name not in ASSETS:
        raise NotFound(f"no file {name!r}", field="name")
    return FileResponse(
        STATIC / name, media_type=ASSETS[name], headers={"Cache-Control": "max-age=3600"}
    )


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    return asset("favicon.svg")


@router.get("/")
def home() -> Response:
    return redirect("/queue")


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/queue") -> Response:
    try:
        viewer(request)
        return redirect(safe_next(next))
    except SignInRequired:
        return _sign_in_form(request, next=safe_next(next), email="")


def _sign_in_form(
    request: Request, *, next: str, email: str, error: str | None = None, status_code: int = 200
) -> Response:
    """The form with a pre-session CSRF token, echoed in a cookie (double submit)."""
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "sign_in.html",
        None,
        status_code=status_code,
        next=next,
        email=email,
        error=error,
        csrf=token,
    )
    response.set_cookie(
        PRE_SESSION_COOKIE, token, max_age=3600, httponly=True, samesite="strict", path="/sign-in"
    )
    return response


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email") or "")
    target = safe_next(str(form.get("next") or ""))
    expected = request.cookies.get(PRE_SESSION_COOKIE) or ""
    if not expected or not secrets.compare_digest(expected, str(form.get("csrf") or "")):
        return _sign_in_form(
            request,
            next=target,
            email=email,
            status_code=403,
            error="The sign-in form expired; please try again.",
        )
    ip = request.client.host if request.client else "unknown"
    settings = settings_of(request)
    password = str(form.get("password") or "")
    try:
        # Argon2 and the database would block the event loop (and /healthz) for every request.
        signed = await run_in_threadpool(_sign_in, request, email, password, ip)
    except Unauthorized as exc:
        return _sign_in_form(
            request, next=target, email=email, error=exc.message, status_code=exc.status
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        signed.token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure or request.url.scheme == "https",
        path="/",
    )
    return response


def _sign_in(request: Request, email: str, password: str, ip: str) -> web_sessions.SignedIn:
    try:
        with transaction(request) as session:
            return web_sessions.sign_in(
                session, email=email, password=password, ip=ip, settings=settings_of(request)
            )
    except Unauthorized as exc:
        # The failed attempt is recorded in its own transaction so that the rate limit holds.
        if exc.status == 401:
            with transaction(request) as session:
                web_sessions.record_failure(session, email=email, ip=ip)
        raise


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    who = viewer(request)
    await form_of(request, who)
    with transaction(request) as session:
        web_sessions.sign_out(session, token=request.cookies.get(COOKIE))
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
