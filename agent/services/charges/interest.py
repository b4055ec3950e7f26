"""Simple interest, actual/365, on the principal outstanding day by day; pure and exact.

Interest runs for each day after the day it starts from (the due date) up to and including
``as_of``. A day's base is the principal less every payment dated *before* that day, so an
amount paid on day p bears interest for p − due days (the days it was late). Each day adds
base × rate / 100 / 365 as a fraction; the sum is rounded once, half up, to the minor unit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor

DAYS_PER_YEAR = 365


@dataclass(frozen=True)
class Period:
    """Consecutive days with the same base and rate."""

    first_day: date
    last_day: date
    base_minor: int
    rate_percent: Decimal

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def interest(self) -> Fraction:
        """Unrounded interest of the period, in minor units."""
        return (
            Fraction(self.base_minor * self.days)
            * Fraction(self.rate_percent)
            / (100 * DAYS_PER_YEAR)
        )


@dataclass(frozen=True)
class Accrual:
    periods: tuple[Period, ...]

    @property
    def days(self) -> int:
        return sum(p.days for p in self.periods)

    @property
    def interest_minor(self) -> int:
        return round_half_up(sum((p.interest for p in self.periods), Fraction(0)))


def round_half_up(value: Fraction) -> int:
    """The nearest integer; halves go up (amounts here are never negative)."""
    return floor(value + Fraction(1, 2))


def accrue(
    *,
    principal_minor: int,
    due_date: date,
    as_of: date,
    payments: Sequence[tuple[date, int]],
    rate_for_day: Callable[[date], Decimal],
) -> Accrual:
    """The interest periods from the day after ``due_date`` to ``as_of`` while anything is owed."""
    periods: list[Period] = []
    day = due_date + timedelta(days=1)
    while day <= as_of:
        base = principal_minor - sum(amount for paid, amount in payments if paid < day)
        if base <= 0:
            break
        rate = rate_for_day(day)
        last = periods[-1] if periods else None
        if last and last.base_minor == base and last.rate_percent == rate:
            periods[-1] = Period(last.first_day, day, base, rate)
        else:
            periods.append(Period(day, day, base, rate))
        day += timedelta(days=1)
    return Accrual(periods=tuple(periods))
