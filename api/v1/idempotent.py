"""The ``Idempotency-Key`` header on POSTs: replay the first answer, refuse a changed request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request, Response
from pydantic import BaseModel
from sqlmodel import Session

from agent.db import commit_early
from agent.services.access import idempotency
from agent.services.access.api_keys import Caller
from api.v1.responses import json_response

REPLAYED_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class Idempotency:
    key: str | None
    fingerprint: str
    method: str
    path: str

    def respond(
        self,
        session: Session,
        caller: Caller,
        *,
        status_code: int,
        produce: Callable[[], BaseModel],
    ) -> Response:
        """The stored answer for a repeated key, else ``produce()``'s, remembered for next time."""
        owner = f"user:{caller.user.id}"
        if self.key is not None:
            stored = idempotency.lookup(
                session, owner=owner, key=self.key, fingerprint=self.fingerprint
            )
            if stored is not None:
                return Response(
                    stored.body,
                    status_code=stored.status_code,
                    media_type="application/json",
                    headers={REPLAYED_HEADER: "true"},
                )
        body = produce().model_dump_json()
        if self.key is not None:
            idempotency.remember(
                session,
                owner=owner,
                key=self.key,
                fingerprint=self.fingerprint,
                method=self.method,
                path=self.path,
                response=idempotency.StoredResponse(status_code=status_code, body=body),
            )
        # The answer is final: commit in the worker thread that did the work.
        commit_early(session)
        return json_response(body, status_code=status_code)


async def idempotency_key(
    request: Request,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=idempotency.MAX_KEY_LENGTH,
            description=(
                "Optional. Repeating a POST with the same key and body returns the first "
                "response (header `Idempotent-Replayed: true`) instead of acting twice; the same "
                "key with a different body is refused with 409. Keys are kept for 24 hours, "
                "per user."
            ),
            examples=["5f0c1c7e-2b7a-4d0e-9a55-0f7f3c1f9a01"],
        ),
    ] = None,
) -> Idempotency:
    body = await request.body()
    return Idempotency(
        key=idempotency.validate_key(key) if key is not None else None,
        fingerprint=idempotency.request_hash(
            method=request.method, path=request.url.path, body=body
        ),
        method=request.method,
        path=request.url.path,
    )


IdempotencyDep = Annotated[Idempotency, Depends(idempotency_key)]
