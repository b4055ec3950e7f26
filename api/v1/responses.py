"""JSON answers a route builds itself, serialised once.

A route that returns a model has FastAPI validate it against the route's ``response_model``
again (in a worker thread hop for a plain ``def`` route) before serialising it; a route that
returns this ``Response`` skips that. The ``response_model`` still documents the body.
"""

from __future__ import annotations

from fastapi import Response


def json_response(body: bytes | str, *, status_code: int = 200) -> Response:
    return Response(body, status_code=status_code, media_type="application/json")
