"""RFC 9457 problem details: the one place service errors become HTTP responses."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent.db import is_contention
from agent.errors import EditRefused, ImportRejected, PaytrackError, Unauthorized

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


async def _paytrack_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PaytrackError)
    extra: dict[str, Any] = {}
    if exc.field:
        extra["field"] = exc.field
    if isinstance(exc, EditRefused):
        extra["violations"] = [{"code": v.code, "detail": v.detail} for v in exc.violations]
    if isinstance(exc, ImportRejected):
        extra["errors"] = [
            {"line": p.line, "column": p.column, "reason": p.reason} for p in exc.problems
        ]
    response = problem(exc.status, exc.title, exc.message, **extra)
    if isinstance(exc, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="paytrack"'
    return response


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(part) for part in error["loc"]),
            "reason": str(error["msg"]).removeprefix("Value error, "),
        }
        for error in exc.errors()
    ]
    return problem(422, "Invalid request", f"{len(errors)} field(s) are invalid", errors=errors)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    try:
        title = HTTPStatus(exc.status_code).phrase
    except ValueError:
        title = str(exc.detail)
    response = problem(exc.status_code, title, str(exc.detail))
    response.headers.update(exc.headers or {})
    return response


async def _database_refused(_request: Request, exc: Exception) -> JSONResponse:
    """A value the database cannot hold (out of range, bad bytes) is bad input, not a crash."""
    log.info("database refused a value: %s", exc)
    return problem(422, "Invalid input", "a value is outside what the database can store")


async def _database_conflict(_request: Request, exc: Exception) -> JSONResponse:
    """A concurrent request won a unique constraint; the caller may retry."""
    log.info("database conflict: %s", exc)
    return problem(409, "Conflict", "the request conflicts with a concurrent change; retry it")


async def _overloaded(_request: Request, exc: Exception) -> JSONResponse:
    """Every database connection is busy: tell the caller to come back instead of failing."""
    log.warning("database pool exhausted: %s", exc)
    response = problem(503, "Service busy", "all database connections are busy; retry shortly")
    response.headers["Retry-After"] = "5"
    return response


async def _database_busy(request: Request, exc: Exception) -> JSONResponse:
    """Another writer held the database past the busy timeout: retry, nothing was stored."""
    if not isinstance(exc, OperationalError) or not is_contention(exc):
        return await _unexpected(request, exc)
    log.warning("database busy: %s", exc)
    response = problem(503, "Service busy", "the database is busy with other changes; retry")
    response.headers["Retry-After"] = "2"
    return response


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return problem(500, "Internal error", "the server failed; the change was not stored")


def install(app: FastAPI) -> None:
    app.add_exception_handler(PaytrackError, _paytrack_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DataError, _database_refused)
    app.add_exception_handler(IntegrityError, _database_conflict)
    app.add_exception_handler(PoolTimeout, _overloaded)
    app.add_exception_handler(OperationalError, _database_busy)
    app.add_exception_handler(Exception, _unexpected)
