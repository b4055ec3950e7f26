"""RFC 9457 problem details: the one place service errors become HTTP responses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent.errors import ImportRejected, PaytrackError

PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


async def _paytrack_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PaytrackError)
    extra: dict[str, Any] = {}
    if exc.field:
        extra["field"] = exc.field
    if isinstance(exc, ImportRejected):
        extra["errors"] = [
            {"line": p.line, "column": p.column, "reason": p.reason} for p in exc.problems
        ]
    return problem(exc.status, exc.title, exc.message, **extra)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": ".".join(str(part) for part in error["loc"]), "reason": error["msg"]}
        for error in exc.errors()
    ]
    return problem(422, "Invalid request", f"{len(errors)} field(s) are invalid", errors=errors)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(exc.status_code, str(exc.detail), str(exc.detail))


def install(app: FastAPI) -> None:
    app.add_exception_handler(PaytrackError, _paytrack_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
