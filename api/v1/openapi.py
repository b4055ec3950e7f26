"""The OpenAPI document: problem+json on every error answer, and each route's scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from agent.models.api import Scope
from api.problems import PROBLEM_JSON
from api.v1.schemas import Problem

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_ERRORS = {
    "400": "The body is not parseable (e.g. not UTF-8)",
    "401": "No valid API key",
    "403": "The key lacks the scope, or the record belongs to another owner",
    "404": "No such record",
    "409": "Conflicts with the current state (or an Idempotency-Key reused for another request)",
    "413": "Request body over 1 MiB",
    "422": "Invalid input; `errors` lists each bad field",
}


def _find_scope(dependant: Dependant) -> Scope | None:
    scope = getattr(dependant.call, "required_scope", None)
    if isinstance(scope, Scope):
        return scope
    for sub in dependant.dependencies:
        found = _find_scope(sub)
        if found is not None:
            return found
    return None


def required_scope(route: APIRoute) -> Scope | None:
    """The scope a route's ``require(...)`` dependency insists on, if any."""
    return _find_scope(route.dependant)


def _problem_responses(path: str, method: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    codes = {"422"}
    if "x-required-scope" in operation:
        codes |= {"401", "403"}
    if "{" in path or "requestBody" in operation:
        codes.add("404")
    if method in ("post", "patch", "put", "delete"):
        codes |= {"409", "413"}
    if "requestBody" in operation:
        codes.add("400")
    for code in codes | {c for c in responses if c[0] in "45"}:
        description = responses.get(code, {}).get("description") or _ERRORS.get(code, "Error")
        if code == "422":
            description = _ERRORS["422"]
        responses[code] = {
            "description": description,
            "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}},
        }


def problem_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=(app.description or "")
            + "\n\nErrors are RFC 9457 problem details (`application/problem+json`). Amounts are "
            "integer minor units (`*_minor`) next to an ISO 4217 `currency`; never floats. "
            "Lists page with an opaque `cursor` (pass back `next_cursor`).",
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        for path, item in schema.get("paths", {}).items():
            for method, operation in item.items():
                if isinstance(operation, dict) and "responses" in operation:
                    _problem_responses(path, method, operation)
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    return openapi
