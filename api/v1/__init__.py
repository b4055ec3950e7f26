"""The REST API for other tools, under ``/api/v1``.

Every route names the scope it needs (``x-required-scope`` in the OpenAPI document); ``install``
adds what the app as a whole needs: problem+json error schemas in the OpenAPI document and the
webhook deliverer thread next to the server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from api.v1 import (
    charges,
    clients,
    drafts,
    invoices,
    payments,
    replies,
    reports,
    risk,
    users,
    webhooks,
)
from api.v1.limits import BodySizeLimit
from api.v1.openapi import problem_openapi, required_scope

MAX_BODY_BYTES = 1024 * 1024

router = APIRouter(prefix="/api/v1")


def _annotate_scopes(routes: list[Any]) -> None:
    """Publish each route's scope in the OpenAPI document (``x-required-scope``)."""
    for route in routes:
        scope = required_scope(route) if isinstance(route, APIRoute) else None
        if scope is None:
            continue
        route.openapi_extra = (route.openapi_extra or {}) | {"x-required-scope": scope.value}
        route.description = (
            f"{route.description}\n\nNeeds an API key with the `{scope.value}` scope "
            "(admin includes every scope; write and approve include read)."
        ).strip()


for module in (
    clients,
    users,
    invoices,
    payments,
    drafts,
    risk,
    reports,
    webhooks,
    charges,
    replies,
):
    _annotate_scopes(module.router.routes)
    router.include_router(module.router)


def install(app: FastAPI, *, run_deliverer: bool) -> None:
    """Body size limit and problem schemas; with ``run_deliverer`` webhooks go out in-process."""
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    app.openapi = problem_openapi(app)  # type: ignore[method-assign]
    if run_deliverer:
        app.router.lifespan_context = _with_deliverer(app.router.lifespan_context)


def _with_deliverer(inner: Callable[[FastAPI], Any]) -> Callable[[FastAPI], Any]:
    from agent.services.webhooks.worker import Deliverer

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        async with inner(app) as state:
            deliverer = Deliverer(app.state.engine)
            deliverer.start()
            try:
                yield state
            finally:
                deliverer.stop()

    return lifespan
