"""Users: who owns invoices and holds API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from agent.services.access import users
from api.deps import Admin, Reader, SessionDep
from api.v1.idempotent import IdempotencyDep
from api.v1.schemas import MAX_ID, UserIn, UserOut

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", summary="List users", response_model=list[UserOut])
def list_users(session: SessionDep, _caller: Reader) -> list[UserOut]:
    return [UserOut.model_validate(u, from_attributes=True) for u in users.list_users(session)]


@router.post("", status_code=201, summary="Add a user (admin)", response_model=UserOut)
def create_user(body: UserIn, session: SessionDep, caller: Admin, idem: IdempotencyDep) -> Response:
    def produce() -> UserOut:
        user = users.create(session, name=body.name, email=str(body.email), role=body.role)
        return UserOut.model_validate(user, from_attributes=True)

    return idem.respond(session, caller, status_code=201, produce=produce)


@router.get("/me", summary="The user behind the calling key", response_model=UserOut)
def me(caller: Reader) -> UserOut:
    return UserOut.model_validate(caller.user, from_attributes=True)


@router.get("/{user_id}", summary="Get a user", response_model=UserOut)
def get_user(
    user_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: SessionDep, _caller: Reader
) -> UserOut:
    return UserOut.model_validate(users.get(session, user_id=user_id), from_attributes=True)
