"""Clients: create, read, list, change any field and the charge policy (with history)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from agent.errors import InvalidInput
from agent.models import ClientCreate, ClientUpdate
from agent.services.charges import policies
from agent.services.ledger import clients
from api.deps import Reader, SessionDep, Writer
from api.v1.idempotent import IdempotencyDep
from api.v1.paging import IdCursor, id_page
from api.v1.schemas import MAX_ID, ClientEventOut, ClientIn, ClientOut, ClientPatch, Page

router = APIRouter(prefix="/clients", tags=["clients"])


@router.get("", summary="List clients", response_model=Page[ClientOut])
def list_clients(
    session: SessionDep,
    caller: Reader,
    cursor: IdCursor,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[ClientOut]:
    rows = clients.list_clients(
        session, actor=caller.actor, after_id=cursor.after_id, limit=limit + 1
    )
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
    client_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: SessionDep, caller: Reader
) -> ClientOut:
    client = clients.read(session, client_id=client_id, actor=caller.actor)
    return ClientOut.model_validate(client, from_attributes=True)


CHARGE_POLICY_FIELDS = ("jurisdiction", "late_charges", "reminder_fee_agreed")


@router.patch("/{client_id}", summary="Change a client's details", response_model=ClientOut)
def update_client(
    client_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: ClientPatch,
    session: SessionDep,
    caller: Writer,
) -> ClientOut:
    """Only the fields present change; each change is kept in the client's history.

    ``"jurisdiction": null`` goes back to the country's statute (docs/charges.md).
    """
    data = body.model_dump(mode="json", exclude_unset=True)
    policy = {name: data.pop(name) for name in CHARGE_POLICY_FIELDS if name in data}
    if policy.get("late_charges", "") is None or policy.get("reminder_fee_agreed", 0) is None:
        raise InvalidInput("late_charges and reminder_fee_agreed cannot be null")
    client = clients.read(session, client_id=client_id, actor=caller.actor)
    if data:
        changes = ClientUpdate.model_validate(data)
        client = clients.update(session, client_id=client_id, changes=changes, actor=caller.actor)
    if policy:
        client = policies.set_policy(session, client_id=client_id, **policy)
    return ClientOut.model_validate(client, from_attributes=True)


@router.get(
    "/{client_id}/events",
    summary="The client's change history",
    response_model=list[ClientEventOut],
)
def client_events(
    client_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: SessionDep, caller: Reader
) -> list[ClientEventOut]:
    clients.get_visible(session, client_id=client_id, actor=caller.actor)
    return [
        ClientEventOut.model_validate(e, from_attributes=True)
        for e in clients.history_of(session, client_id=client_id)
    ]
