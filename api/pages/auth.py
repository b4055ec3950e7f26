"""Sign-in and sign-out pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, RedirectResponse

from agent.errors import Unauthorized
from agent.services import web_sessions
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
STATIC = Path(__file__).parent.parent / "static"


@router.get("/static/paytrack.css")
def stylesheet() -> FileResponse:
    return FileResponse(STATIC / "paytrack.css", media_type="text/css")


@router.get("/")
def home() -> Response:
    return redirect("/queue")


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/queue") -> Response:
    try:
        viewer(request)
        return redirect(safe_next(next))
    except SignInRequired:
        return render(request, "sign_in.html", None, next=safe_next(next), email="")


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email") or "")
    target = safe_next(str(form.get("next") or ""))
    ip = request.client.host if request.client else "unknown"
    settings = settings_of(request)
    try:
        with transaction(request) as session:
            signed = web_sessions.sign_in(
                session,
                email=email,
                password=str(form.get("password") or ""),
                ip=ip,
                settings=settings,
            )
    except Unauthorized as exc:
        # The failed attempt is recorded in its own transaction so that the rate limit holds.
        if exc.status == 401:
            with transaction(request) as session:
                web_sessions.record_failure(session, email=email, ip=ip)
        return render(
            request,
            "sign_in.html",
            None,
            status_code=exc.status,
            error=exc.message,
            next=target,
            email=email,
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


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    who = viewer(request)
    await form_of(request, who)
    with transaction(request) as session:
        web_sessions.sign_out(session, token=request.cookies.get(COOKIE))
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
