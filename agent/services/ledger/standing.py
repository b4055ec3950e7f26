"""The status a user sees, derived from dates and payments as of a given day.

Nothing here is stored: ``derive`` is a pure function of the invoice, the sum of payments
dated on or before ``as_of``, and ``as_of`` itself, so the answer for any day is reproducible.
Precedence: void > written off > paid > draft > disputed > overdue > due soon > not yet due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from agent.models import Invoice, Lifecycle


class State(StrEnum):
    DRAFT = "draft"
    NOT_YET_DUE = "not_yet_due"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    DISPUTED = "disputed"
    PAID = "paid"
    WRITTEN_OFF = "written_off"
    VOID = "void"


OPEN_STATES = frozenset({State.NOT_YET_DUE, State.DUE_SOON, State.OVERDUE, State.DISPUTED})


@dataclass(frozen=True)
class Standing:
    state: State
    as_of: date
    amount_minor: int
    paid_minor: int
    days_overdue: int
    due_in_days: int

    @property
    def balance_minor(self) -> int:
        return self.amount_minor - self.paid_minor

    @property
    def outstanding_minor(self) -> int:
        """What is still to be collected: zero once paid, voided or written off."""
        return self.balance_minor if self.state in OPEN_STATES else 0

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def partially_paid(self) -> bool:
        return 0 < self.paid_minor < self.amount_minor

    @property
    def label(self) -> str:
        base = {
            State.DRAFT: "draft (not sent)",
            State.NOT_YET_DUE: f"not yet due (due in {self.due_in_days} days)",
            State.DUE_SOON: (
                "due today" if self.due_in_days == 0 else f"due soon (in {self.due_in_days} days)"
            ),
            State.OVERDUE: f"overdue {self.days_overdue} days",
            State.DISPUTED: "disputed",
            State.PAID: "paid",
            State.WRITTEN_OFF: "written off",
            State.VOID: "void",
        }[self.state]
        if self.state == State.OVERDUE and self.days_overdue == 1:
            base = "overdue 1 day"
        if self.partially_paid and self.state in OPEN_STATES:
            return f"{base} · partially paid"
        return base


def _closed_by(invoice: Invoice, as_of: date) -> bool:
    return invoice.closed_date is not None and invoice.closed_date <= as_of


def open_state(*, disputed: bool, due_in: int, due_soon_days: int) -> State:
    """Which open state an unpaid, unclosed, issued invoice is in (``positions.state_column``
    mirrors this in SQL)."""
    if disputed:
        return State.DISPUTED
    if due_in < 0:
        return State.OVERDUE
    if due_in <= due_soon_days:
        return State.DUE_SOON
    return State.NOT_YET_DUE


def derive(invoice: Invoice, *, paid_minor: int, as_of: date, due_soon_days: int) -> Standing:
    """The invoice's standing on ``as_of`` given what had been paid by then."""
    due_in = (invoice.due_date - as_of).days
    days_overdue = max(0, -due_in)
    if invoice.lifecycle == Lifecycle.VOID and _closed_by(invoice, as_of):
        state = State.VOID
    elif invoice.lifecycle == Lifecycle.WRITTEN_OFF and _closed_by(invoice, as_of):
        state = State.WRITTEN_OFF
    elif paid_minor >= invoice.amount_minor:
        state = State.PAID
    elif invoice.lifecycle == Lifecycle.DRAFT:
        state = State.DRAFT
    else:
        disputed = invoice.dispute_opened_date is not None and invoice.dispute_opened_date <= as_of
        state = open_state(disputed=disputed, due_in=due_in, due_soon_days=due_soon_days)
    return Standing(
        state=state,
        as_of=as_of,
        amount_minor=invoice.amount_minor,
        paid_minor=paid_minor,
        days_overdue=days_overdue if state in OPEN_STATES else 0,
        due_in_days=due_in,
    )
