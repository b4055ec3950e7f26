"""Clients: create, read, list, and set the late-payment charge policy."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from agent.errors import InvalidInput
from agent.models import ClientCreate
from agent.services.charges import policies
from agent.services.ledger import clients
from api.deps import Reader, SessionDep, Writer
from api.v1.idempotent import IdempotencyDep
from api.v1.paging import IdCursor, id_page
from api.v1.schemas import MAX_ID, ClientChargesPatch, ClientIn, ClientOut, Page

router = APIRouter(prefix="/clients", tags=["clients"])


@router.get("", summary="List clients", response_model=Page[ClientOut])
def list_clients(
    session: SessionDep,
    _caller: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: IdCursor = None,
) -> Page[ClientOut]:
    rows = clients.list_clients(session, after_id=cursor.after_id, limit=limit + 1)
    return id_page(rows, limit=limit, out=ClientOut)


@router.post("", status_code=201, summary="Create a client", response_model=ClientOut)
def create_client(
    body: ClientIn, session: SessionDep, caller: Writer, idem: IdempotencyDep
) -> Response:
    def produce() -> ClientOut:
        data = ClientCreate.model_validate(body.model_dump(mode="json"))
        return ClientOut.model_validate(clients.create(session, data), from_attributes=True)

    return idem.respond(session, caller, status_code=201, produce=produce)


@router.get("/{client_id}", summary="Get a client", response_model=ClientOut)
def get_client(
    client_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: SessionDep, _caller: Reader
) -> ClientOut:
    return ClientOut.model_validate(clients.get(session, client_id=client_id), from_attributes=True)


@router.patch("/{client_id}", summary="Update a client's charge policy", response_model=ClientOut)
def update_client(
    client_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: ClientChargesPatch,
    session: SessionDep,
    _caller: Writer,
) -> ClientOut:
    """Only the fields present change; ``"jurisdiction": null`` goes back to the country's."""
    changes = body.model_dump(exclude_unset=True)
    if changes.get("late_charges", "") is None or changes.get("reminder_fee_agreed", 0) is None:
        raise InvalidInput("late_charges and reminder_fee_agreed cannot be null")
    client = policies.set_policy(session, client_id=client_id, **changes)
    return ClientOut.model_validate(client, from_attributes=True)
