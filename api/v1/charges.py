"""Late-payment charges of an invoice as of a day (docs/charges.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from agent.errors import InvoiceNotFound
from agent.money import normalise_currency, to_minor
from agent.services.access.ownership import require_owner
from agent.services.charges import charges, claims
from agent.services.ledger import invoices
from agent.services.reminders import case_files
from api.deps import Reader, SessionDep, Writer
from api.v1.idempotent import IdempotencyDep
from api.v1.schemas import MAX_ID, Currency, Day, Text

router = APIRouter(prefix="/invoices", tags=["charges"])
InvoiceId = Annotated[int, Path(ge=1, le=MAX_ID, description="The invoice's id.")]


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
    responses={409: {"description": "No reference rate for a half-year the period needs"}},
)
def invoice_charges(
    invoice_id: InvoiceId,
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


class ClaimedChargeOut(BaseModel):
    kind: str
    currency: str
    amount_minor: int
    settled_minor: int
    outstanding_minor: int
    as_of_date: date
    draft_id: int | None


@router.get(
    "/{invoice_id}/charges/claimed",
    summary="Charges claimed from the client, in settling order",
    response_model=list[ClaimedChargeOut],
)
def claimed_charges(
    invoice_id: InvoiceId, session: SessionDep, caller: Reader
) -> list[ClaimedChargeOut]:
    invoice = invoices.get(session, invoice_id=invoice_id, actor=caller.actor)
    require_owner(
        caller.actor,
        invoice.owner_id,
        not_found=InvoiceNotFound(f"no invoice with id {invoice_id}", field="invoice"),
    )
    return [
        ClaimedChargeOut.model_validate(
            row.model_dump() | {"outstanding_minor": row.outstanding_minor}
        )
        for row in claims.list_for_invoice(session, invoice_id=invoice_id)
    ]


class ChargePaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Annotated[str, Field(pattern=r"^\d{1,13}(\.\d{1,4})?$", examples=["560.00"])]
    currency: Currency
    payment_date: Day | None = Field(default=None, description="Defaults to today.")
    reference: Annotated[Text, Field(max_length=300)] | None = None
    external_id: Annotated[Text, Field(min_length=1, max_length=200)] | None = None


class SettlementOut(BaseModel):
    invoice_minor: int = Field(description="Went to the invoice's own balance.")
    charges_minor: dict[str, int] = Field(description="Went to claimed charges, by kind.")
    invoice_balance_minor: int
    charges_outstanding_minor: int


@router.post(
    "/{invoice_id}/charges/payments",
    status_code=201,
    summary="Record money paid for an invoice and its claimed charges",
    response_model=SettlementOut,
)
def pay_with_charges(
    invoice_id: InvoiceId,
    body: ChargePaymentIn,
    session: SessionDep,
    caller: Writer,
    idem: IdempotencyDep,
) -> Response:
    """The invoice first, then compensation, reminder fees and interest (docs/charges.md)."""

    def produce() -> SettlementOut:
        currency = normalise_currency(body.currency)
        settled = claims.record_payment(
            session,
            invoice_id=invoice_id,
            amount_minor=to_minor(body.amount, currency),
            currency=currency,
            payment_date=body.payment_date or date.today(),
            actor=caller.actor,
            reference=body.reference,
            external_id=body.external_id,
        )
        return SettlementOut.model_validate(settled.__dict__)

    return idem.respond(session, caller, status_code=201, produce=produce)


@router.get(
    "/{invoice_id}/case-file",
    summary="The collection case file (JSON, or HTML with format=html)",
    responses={200: {"content": {"text/html": {}}}},
)
def invoice_case_file(
    invoice_id: InvoiceId,
    session: SessionDep,
    caller: Reader,
    as_of: Annotated[Day | None, Query(description="Day the charges are computed for.")] = None,
    format: Annotated[Literal["json", "html"], Query()] = "json",
) -> Response:
    case = case_files.build(
        session, invoice_id=invoice_id, as_of=as_of or date.today(), actor=caller.actor
    )
    if format == "html":
        return HTMLResponse(case_files.render_html(case))
    return JSONResponse(case)
