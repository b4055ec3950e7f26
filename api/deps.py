"""Request dependencies: the transaction owner, settings, and the authenticated caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from agent.db import session_scope
from agent.errors import Unauthorized
from agent.models.api import Scope
from agent.services.access import api_keys
from agent.services.access.api_keys import Caller
from agent.services.reporting.report_cache import ReportCache
from agent.settings import Settings


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back if it raises."""
    with session_scope(request.app.state.engine) as session:
        yield session


# Dependencies that do no I/O are ``async``: FastAPI runs a plain ``def`` dependency in a worker
# thread, a hop through the event loop that costs more than the dependency under load.
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_report_cache(request: Request) -> ReportCache:
    return request.app.state.report_cache


# scope="function": commit before the response is sent, so a 2xx always means "stored".
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ReportCacheDep = Annotated[ReportCache, Depends(get_report_cache)]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="`Authorization: Bearer pt_<prefix>_<secret>` (see `paytrack keys create`).",
)
_api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, scheme_name="apiKey", description="Same key, as a header."
)


def get_caller(
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    header_key: Annotated[str | None, Security(_api_key_header)],
) -> Caller:
    token = bearer.credentials if bearer is not None else header_key
    if not token:
        raise Unauthorized(
            "send an API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`",
            field="authorization",
        )
    return api_keys.authenticate(session, token=token)


def require(scope: Scope) -> Callable[..., Awaitable[Caller]]:
    """A dependency that authenticates the caller and insists on ``scope`` (403 otherwise)."""

    async def dependency(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
        caller.require(scope)
        return caller

    dependency.__name__ = f"require_{scope.value}"
    dependency.required_scope = scope  # type: ignore[attr-defined]  # read by the OpenAPI hook
    return dependency


Reader = Annotated[Caller, Depends(require(Scope.READ))]
Writer = Annotated[Caller, Depends(require(Scope.WRITE))]
Approver = Annotated[Caller, Depends(require(Scope.APPROVE))]
Admin = Annotated[Caller, Depends(require(Scope.ADMIN))]
