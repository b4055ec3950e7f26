"""HTML error pages for browsers: a bad page URL answers with a page, the API keeps its problems.

Installed after ``api.problems``: for a request that is not under ``/api`` and accepts HTML,
routing and validation errors render ``error.html``; everything else goes to the JSON handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.pages.common import SignInRequired, Viewer, render, viewer

Handler = Callable[[Request, Exception], Response | Awaitable[Response]]


@dataclass(frozen=True)
class PageError:
    status: int
    title: str
    message: str


def wants_html(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _page(request: Request, error: PageError) -> Response:
    try:
        who: Viewer | None = viewer(request)
    except SignInRequired:
        who = None
    return render(request, "error.html", who, status_code=error.status, error=error)


def _describe(exc: Exception) -> PageError:
    if isinstance(exc, RequestValidationError):
        where = [".".join(str(p) for p in e["loc"][1:]) or "request" for e in exc.errors()]
        return PageError(404, "Not found", f"this address is not valid ({', '.join(where)})")
    assert isinstance(exc, StarletteHTTPException)
    try:
        title = HTTPStatus(exc.status_code).phrase
    except ValueError:
        title = "Error"
    message = "there is no page at this address" if exc.status_code == 404 else str(exc.detail)
    return PageError(exc.status_code, title, message)


def install(app: FastAPI) -> None:
    """Wrap the JSON handlers of routing and validation errors with the HTML page."""
    for kind in (RequestValidationError, StarletteHTTPException):
        fallback: Handler = app.exception_handlers[kind]

        async def handle(
            request: Request, exc: Exception, fallback: Handler = fallback
        ) -> Response:
            if wants_html(request):
                return _page(request, _describe(exc))
            answer = fallback(request, exc)
            return await answer if isinstance(answer, Awaitable) else answer

        app.add_exception_handler(kind, handle)
