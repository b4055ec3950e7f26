"""Late-payment charges of an invoice as of a day (docs/charges.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from agent.services.charges import charges
from api.deps import Reader, SessionDep
from api.v1.schemas import MAX_ID, Day

router = APIRouter(prefix="/invoices", tags=["charges"])


class ChargePeriodOut(BaseModel):
    first_day: date
    last_day: date
    days: int
    base_minor: int
    rate_percent: str


class ChargesOut(BaseModel):
    """The statutory entitlement whatever the client's policy; amounts in the invoice currency."""

    invoice_id: int
    invoice_number: str
    jurisdiction: str
    policy: str
    currency: str
    as_of: date
    interest_from: date = Field(description="Interest runs for each day after this one.")
    rate_percent: str | None = Field(description="Statutory rate (reference + 8) on the last day.")
    days: int
    interest_minor: int
    compensation_minor: int
    reminder_fee_minor: int
    reminders_charged: int
    total_minor: int
    periods: list[ChargePeriodOut]
    notes: list[str]


@router.get(
    "/{invoice_id}/charges",
    summary="Late-payment interest, compensation and reminder fees",
    response_model=ChargesOut,
)
def invoice_charges(
    invoice_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    session: SessionDep,
    caller: Reader,
    as_of: Annotated[
        Day | None, Query(description="Day to compute for; defaults to today.")
    ] = None,
) -> ChargesOut:
    result = charges.for_invoice(
        session, invoice_id=invoice_id, as_of=as_of or date.today(), actor=caller.actor
    )
    return ChargesOut.model_validate(result.as_json())
