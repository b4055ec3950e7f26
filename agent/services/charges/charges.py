"""What a late invoice owes on top of its amount, as of any day: the entitlement by statute.

The result is the same whatever the client's policy; the policy only decides what reminders
say (see ``agent.services.charges.policies``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from agent.actor import Actor
from agent.errors import InvoiceNotFound
from agent.models import Client, EventKind, Invoice, Lifecycle
from agent.services.access.ownership import require_owner
from agent.services.charges import rates
from agent.services.charges.interest import Period, accrue
from agent.services.charges.statutes import (
    COMPENSATION,
    SE_REMINDER_FEE_MINOR,
    STATUTORY_MARGIN_PERCENT,
    ChargePolicy,
    Jurisdiction,
    half_year_start,
    jurisdiction_for,
    rate_is_fixed_per_debt,
)
from agent.services.ledger import clients, history, invoices, payments


@dataclass(frozen=True)
class Charges:
    """Interest, compensation and reminder fees of one invoice as of one day, in its currency."""

    invoice_id: int
    invoice_number: str
    jurisdiction: Jurisdiction
    policy: ChargePolicy
    currency: str
    as_of: date
    interest_from: date
    periods: tuple[Period, ...]
    interest_minor: int
    compensation_minor: int
    reminder_fee_minor: int
    reminders_charged: int
    notes: tuple[str, ...] = ()

    @property
    def days(self) -> int:
        return sum(p.days for p in self.periods)

    @property
    def rate_percent(self) -> Decimal | None:
        """The statutory rate of the last day interest ran (None when it has not run)."""
        return self.periods[-1].rate_percent if self.periods else None

    @property
    def total_minor(self) -> int:
        return self.interest_minor + self.compensation_minor + self.reminder_fee_minor

    def as_json(self) -> dict[str, Any]:
        return {
            "invoice_id": self.invoice_id,
            "invoice_number": self.invoice_number,
            "jurisdiction": self.jurisdiction.value,
            "policy": self.policy.value,
            "currency": self.currency,
            "as_of": self.as_of.isoformat(),
            "interest_from": self.interest_from.isoformat(),
            "rate_percent": None if self.rate_percent is None else str(self.rate_percent),
            "days": self.days,
            "interest_minor": self.interest_minor,
            "compensation_minor": self.compensation_minor,
            "reminder_fee_minor": self.reminder_fee_minor,
            "reminders_charged": self.reminders_charged,
            "total_minor": self.total_minor,
            "periods": [
                {
                    "first_day": p.first_day.isoformat(),
                    "last_day": p.last_day.isoformat(),
                    "days": p.days,
                    "base_minor": p.base_minor,
                    "rate_percent": str(p.rate_percent),
                }
                for p in self.periods
            ],
            "notes": list(self.notes),
        }


def for_invoice(session: Session, *, invoice_id: int, as_of: date, actor: Actor) -> Charges:
    """The charges of an invoice the actor may see (another owner's is not found)."""
    invoice = invoices.get(session, invoice_id=invoice_id, actor=actor)
    require_owner(
        actor,
        invoice.owner_id,
        not_found=InvoiceNotFound(f"no invoice with id {invoice_id}", field="invoice"),
    )
    return compute(
        session,
        invoice=invoice,
        client=clients.get(session, client_id=invoice.client_id),
        as_of=as_of,
    )


def compute(session: Session, *, invoice: Invoice, client: Client, as_of: date) -> Charges:
    """The entitlement: statutory interest, fixed compensation and agreed reminder fees."""
    jurisdiction = jurisdiction_for(client.country, client.jurisdiction)
    start = interest_start(session, invoice=invoice)
    nothing = Charges(
        invoice_id=invoice.id,
        invoice_number=invoice.number,
        jurisdiction=jurisdiction,
        policy=ChargePolicy(client.late_charges),
        currency=invoice.currency,
        as_of=as_of,
        interest_from=start,
        periods=(),
        interest_minor=0,
        compensation_minor=0,
        reminder_fee_minor=0,
        reminders_charged=0,
    )
    if jurisdiction is Jurisdiction.NONE:
        return _with_note(nothing, "no late-payment statute applies to this client")
    if invoice.lifecycle in (Lifecycle.DRAFT, Lifecycle.VOID):
        return _with_note(nothing, f"the invoice is {invoice.lifecycle.value}")
    paid = [
        (p.payment_date, p.amount_minor)
        for p in payments.list_for_invoice(session, invoice_id=invoice.id)
        if p.payment_date <= as_of
    ]
    accrual = accrue(
        principal_minor=invoice.amount_minor,
        due_date=start,
        as_of=as_of,
        payments=paid,
        rate_for_day=_statutory_rate(session, jurisdiction=jurisdiction, interest_start=start),
    )
    if not accrual.periods:
        return nothing
    notes: list[str] = []
    debt = invoice.amount_minor - sum(amount for day, amount in paid if day <= start)
    compensation = _compensation(jurisdiction, invoice.currency, debt, notes)
    reminders = _reminders_charged(
        session, invoice=invoice, client=client, start=start, as_of=as_of
    )
    return replace(
        nothing,
        periods=accrual.periods,
        interest_minor=accrual.interest_minor,
        compensation_minor=compensation,
        reminder_fee_minor=reminders * SE_REMINDER_FEE_MINOR,
        reminders_charged=reminders,
        notes=tuple(notes),
    )


def interest_start(session: Session, *, invoice: Invoice) -> date:
    """The original due date; an extension moves it only when marked as agreed."""
    start = invoice.original_due_date
    for event in history.list_for_invoice(session, invoice_id=invoice.id):
        if event.kind == EventKind.DUE_DATE_EXTENDED and event.data.get("agreed"):
            start = date.fromisoformat(event.data["to"])
    return start


def _statutory_rate(
    session: Session, *, jurisdiction: Jurisdiction, interest_start: date
) -> Callable[[date], Decimal]:
    """Reference rate + 8 pp: of each day's half-year (SE, EU), or, in the UK, of the half-year
    in which interest starts to run (the day after the due date), for the debt's whole life."""
    memo: dict[date, Decimal] = {}
    first_day = interest_start + timedelta(days=1)

    def rate_for_day(day: date) -> Decimal:
        half_year = half_year_start(first_day if rate_is_fixed_per_debt(jurisdiction) else day)
        if half_year not in memo:
            reference = rates.reference_rate(
                session, jurisdiction=jurisdiction, half_year=half_year
            )
            memo[half_year] = reference.rate_percent + STATUTORY_MARGIN_PERCENT
        return memo[half_year]

    return rate_for_day


def _compensation(
    jurisdiction: Jurisdiction, currency: str, debt_minor: int, notes: list[str]
) -> int:
    """The fixed sum once per late invoice, only in the statute's own currency (never converted)."""
    rule = COMPENSATION[jurisdiction]
    if currency != rule.currency:
        notes.append(
            f"fixed compensation is set in {rule.currency}; the invoice is in {currency}, "
            "so none is computed"
        )
        return 0
    return rule.for_debt(debt_minor)


def _reminders_charged(
    session: Session, *, invoice: Invoice, client: Client, start: date, as_of: date
) -> int:
    """Reminders sent after the due date, when a Swedish reminder fee was agreed in advance."""
    jurisdiction = jurisdiction_for(client.country, client.jurisdiction)
    if jurisdiction is not Jurisdiction.SE or not client.reminder_fee_agreed:
        return 0
    if invoice.currency != "SEK":
        return 0
    return sum(
        1
        for event in history.list_for_invoice(session, invoice_id=invoice.id)
        if event.kind == EventKind.REMINDER_SENT and start < event.occurred_at.date() <= as_of
    )


def _with_note(charges: Charges, note: str) -> Charges:
    return replace(charges, notes=(*charges.notes, note))
