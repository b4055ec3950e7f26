"""Claimed charges: ledger entries of their own, raised by an approved reminder, paid apart.

The invoice's amount never changes. Money settles in this order (docs/charges.md): first the
invoice itself (its balance, as everywhere in paytrack), then the claimed charges —
compensation, then reminder fees, then interest. A payment that would leave more than that
is refused, like any overpayment.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from agent.actor import Actor
from agent.errors import (
    CurrencyMismatch,
    InvalidAmount,
    InvoiceNotFound,
    PaymentExceedsBalance,
    ReferenceRateMissing,
)
from agent.models import ChargeKind, EventKind, Invoice, InvoiceCharge
from agent.models.draft import Draft, DraftInvoice, Tone
from agent.money import format_for_locale, format_plain, normalise_currency
from agent.services.access.ownership import require_owner
from agent.services.charges.charges import Charges, compute
from agent.services.charges.statutes import ChargePolicy
from agent.services.ledger import clients, history, invoices, payments
from agent.services.webhooks import webhooks

SETTLING_ORDER = (ChargeKind.COMPENSATION, ChargeKind.REMINDER_FEE, ChargeKind.INTEREST)


def list_for_invoice(session: Session, *, invoice_id: int) -> list[InvoiceCharge]:
    """The invoice's claimed charges in settling order."""
    rows = session.exec(select(InvoiceCharge).where(InvoiceCharge.invoice_id == invoice_id))
    return sorted(rows, key=lambda row: SETTLING_ORDER.index(row.kind))


def claim(
    session: Session,
    *,
    invoice: Invoice,
    charges: Charges,
    stated: Callable[[int], bool],
    actor: Actor,
    draft_id: int | None = None,
) -> dict[str, int]:
    """Record the charges an approved reminder states; returns what was added, by kind.

    A later claim raises an entry to its newly stated figure (interest grows), never lowers it.
    """
    figures = {
        ChargeKind.COMPENSATION: charges.compensation_minor,
        ChargeKind.REMINDER_FEE: charges.reminder_fee_minor,
        ChargeKind.INTEREST: charges.interest_minor,
    }
    existing = {row.kind: row for row in list_for_invoice(session, invoice_id=invoice.id)}
    added: dict[str, int] = {}
    for kind, amount in figures.items():
        row = existing.get(kind)
        if not amount or not stated(amount) or (row and row.amount_minor >= amount):
            continue
        row = row or InvoiceCharge(
            invoice_id=invoice.id,
            kind=kind,
            currency=invoice.currency,
            amount_minor=0,
            as_of_date=charges.as_of,
        )
        added[kind.value] = amount - row.amount_minor
        row.amount_minor, row.as_of_date, row.draft_id = amount, charges.as_of, draft_id
        session.add(row)
    if added:
        session.flush()
        _announce(
            session,
            invoice=invoice,
            event=EventKind.CHARGES_CLAIMED,
            actor=actor,
            data={"added": added, "as_of": charges.as_of.isoformat(), "draft_id": draft_id},
        )
    return added


def claim_for_draft(
    session: Session, *, draft: Draft, body: str, locale: str, actor: Actor
) -> None:
    """After approval: claim what the approved text of a ``claim`` client's firm reminder states."""
    client = clients.get(session, client_id=draft.client_id)
    if client.late_charges != ChargePolicy.CLAIM.value or draft.tone != Tone.FIRM:
        return
    text = _plain(body)
    links = session.exec(select(DraftInvoice).where(DraftInvoice.draft_id == draft.id))
    for link in links:
        invoice = invoices.get(session, invoice_id=link.invoice_id, actor=actor)
        try:
            result = compute(session, invoice=invoice, client=client, as_of=draft.sweep_date)
        except ReferenceRateMissing:
            continue

        def stated(amount: int, currency: str = invoice.currency) -> bool:
            return _plain(format_for_locale(amount, currency, locale)) in text

        claim(
            session, invoice=invoice, charges=result, stated=stated, actor=actor, draft_id=draft.id
        )


@dataclass(frozen=True)
class Settlement:
    invoice_minor: int  # went to the invoice's own balance
    charges_minor: dict[str, int]  # went to claimed charges, by kind
    invoice_balance_minor: int
    charges_outstanding_minor: int


def record_payment(
    session: Session,
    *,
    invoice_id: int,
    amount_minor: int,
    currency: str,
    payment_date: date,
    actor: Actor,
    reference: str | None = None,
    external_id: str | None = None,
) -> Settlement:
    """Money received for an invoice and its claimed charges, settled in the documented order."""
    invoice = invoices.lock(session, invoice_id=invoice_id, actor=actor)
    require_owner(
        actor,
        invoice.owner_id,
        not_found=InvoiceNotFound(f"no invoice with id {invoice_id}", field="invoice"),
    )
    if amount_minor <= 0:
        raise InvalidAmount("a payment must be a positive amount", field="amount")
    if normalise_currency(currency) != invoice.currency:
        raise CurrencyMismatch(
            f"payment is in {currency} but invoice {invoice.number} is in {invoice.currency}",
            field="currency",
        )
    if external_id and _already_paid(session, invoice=invoice, external_id=external_id):
        return _settlement(session, invoice=invoice, to_invoice=0, to_charges={})
    balance = invoice.amount_minor - invoices.paid_minor(session, invoice_id=invoice.id)
    rows = list_for_invoice(session, invoice_id=invoice.id)
    owed = sum(row.outstanding_minor for row in rows)
    if amount_minor > balance + owed:
        raise PaymentExceedsBalance(
            f"payment of {format_plain(amount_minor, invoice.currency)} exceeds the "
            f"{format_plain(balance + owed, invoice.currency)} owed on invoice {invoice.number} "
            "and its claimed charges",
            field="amount",
        )
    to_invoice = min(amount_minor, balance)
    if to_invoice:
        payments.record(
            session,
            invoice_id=invoice.id,
            amount_minor=to_invoice,
            currency=invoice.currency,
            payment_date=payment_date,
            actor=actor,
            reference=reference,
            external_id=external_id,
        )
    left, to_charges = amount_minor - to_invoice, {}
    for row in rows:
        part = min(left, row.outstanding_minor)
        if part:
            row.settled_minor += part
            session.add(row)
            to_charges[row.kind.value] = part
            left -= part
    if to_charges:
        session.flush()
        _announce(
            session,
            invoice=invoice,
            event=EventKind.CHARGES_PAID,
            actor=actor,
            data={
                "paid": to_charges,
                "payment_date": payment_date.isoformat(),
                "reference": reference,
                "external_id": external_id,
            },
        )
    return _settlement(session, invoice=invoice, to_invoice=to_invoice, to_charges=to_charges)


def _settlement(
    session: Session, *, invoice: Invoice, to_invoice: int, to_charges: dict[str, int]
) -> Settlement:
    return Settlement(
        invoice_minor=to_invoice,
        charges_minor=to_charges,
        invoice_balance_minor=invoice.amount_minor
        - invoices.paid_minor(session, invoice_id=invoice.id),
        charges_outstanding_minor=sum(
            row.outstanding_minor for row in list_for_invoice(session, invoice_id=invoice.id)
        ),
    )


def _already_paid(session: Session, *, invoice: Invoice, external_id: str) -> bool:
    if payments.find_by_external_id(session, external_id=external_id) is not None:
        return True
    return any(
        event.kind == EventKind.CHARGES_PAID and event.data.get("external_id") == external_id
        for event in history.list_for_invoice(session, invoice_id=invoice.id)
    )


def _announce(
    session: Session, *, invoice: Invoice, event: EventKind, actor: Actor, data: dict[str, object]
) -> None:
    """History (without bumping the version: the invoice's own facts did not change) + webhook."""
    outstanding = sum(
        row.outstanding_minor for row in list_for_invoice(session, invoice_id=invoice.id)
    )
    history.record(
        session,
        invoice=invoice,
        kind=event,
        actor=actor,
        data=data | {"charges_outstanding": format_plain(outstanding, invoice.currency)},
        bump_version=False,
    )
    webhooks.emit(
        session,
        event=webhooks.CHARGES_CLAIMED
        if event is EventKind.CHARGES_CLAIMED
        else webhooks.CHARGES_PAID,
        data=data
        | {
            "invoice_id": invoice.id,
            "invoice_number": invoice.number,
            "currency": invoice.currency,
            "charges_outstanding_minor": outstanding,
        },
        owner_id=invoice.owner_id,
    )


def _plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())
