"""Payments: record money received (idempotent), list and read."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from agent.money import normalise_currency, to_minor
from agent.services.ledger import payments
from api.deps import Reader, SessionDep, SettingsDep, Writer
from api.v1.idempotent import IdempotencyDep
from api.v1.paging import IdCursor, id_page
from api.v1.schemas import MAX_ID, Page, PaymentIn, PaymentOut, PaymentRecorded, ReverseIn

router = APIRouter(prefix="/payments", tags=["payments"])


@router.post("", status_code=201, summary="Record a payment", response_model=PaymentRecorded)
def record_payment(
    body: PaymentIn,
    session: SessionDep,
    settings: SettingsDep,
    caller: Writer,
    idem: IdempotencyDep,
) -> Response:
    """Partial payments are fine; more than the balance, or another currency, is refused."""

    def produce() -> PaymentRecorded:
        currency = normalise_currency(body.currency)
        amount = body.decimal_amount()
        amount_minor = body.amount_minor if amount is None else to_minor(amount, currency)
        assert amount_minor is not None, "PaymentIn requires amount_minor or amount"
        outcome = payments.record(
            session,
            invoice_id=body.invoice_id,
            amount_minor=amount_minor,
            currency=currency,
            payment_date=body.payment_date or date.today(),
            actor=caller.actor,
            method=body.method,
            reference=body.reference,
            external_id=body.external_id,
            settings=settings,
        )
        return PaymentRecorded(
            payment=PaymentOut.model_validate(outcome.payment, from_attributes=True),
            created=outcome.created,
            balance_minor=outcome.balance_minor,
            settled=outcome.settled,
        )

    return idem.respond(session, caller, status_code=201, produce=produce)


@router.get("", summary="List payments", response_model=Page[PaymentOut])
def list_payments(
    session: SessionDep,
    caller: Reader,
    cursor: IdCursor,
    invoice_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[PaymentOut]:
    rows = payments.list_payments(
        session,
        actor=caller.actor,
        invoice_id=invoice_id,
        after_id=cursor.after_id,
        limit=limit + 1,
    )
    return id_page(rows, limit=limit, out=PaymentOut)


@router.get("/{payment_id}", summary="Get a payment", response_model=PaymentOut)
def get_payment(
    payment_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: SessionDep, caller: Reader
) -> PaymentOut:
    payment = payments.get(session, payment_id=payment_id, actor=caller.actor)
    return PaymentOut.model_validate(payment, from_attributes=True)


@router.post(
    "/{payment_id}/reverse", summary="Reverse a mistaken payment", response_model=PaymentOut
)
def reverse_payment(
    payment_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: ReverseIn,
    session: SessionDep,
    settings: SettingsDep,
    caller: Writer,
    idem: IdempotencyDep,
) -> Response:
    """The payment stays listed but no longer counts; history and ``payment.reversed`` record it."""

    def produce() -> PaymentOut:
        payment = payments.reverse(
            session,
            payment_id=payment_id,
            reason=body.reason,
            actor=caller.actor,
            settings=settings,
        )
        return PaymentOut.model_validate(payment, from_attributes=True)

    return idem.respond(session, caller, status_code=200, produce=produce)
