"""What each late-payment statute fixes: jurisdiction, reference half-year, compensation, fees.

Sources and worked examples: docs/charges.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Jurisdiction(StrEnum):
    SE = "SE"  # räntelagen (1975:635), lag (1981:739) om ersättning för inkassokostnader
    EU = "EU"  # Directive 2011/7/EU, the minimum for other EU member states
    UK = "UK"  # Late Payment of Commercial Debts (Interest) Act 1998
    NONE = "none"


class ChargePolicy(StrEnum):
    """What a client's reminders do with the charges: nothing, mention them, or claim them."""

    OFF = "off"
    MENTION = "mention"
    CLAIM = "claim"


EU_COUNTRIES = frozenset(
    {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"}
    | {"IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SI", "SK"}
)
STATUTORY_MARGIN_PERCENT = 8
SE_REMINDER_FEE_MINOR = 6_000  # 60 SEK per reminder, förordning (1981:1057) 1 §


@dataclass(frozen=True)
class Compensation:
    """The fixed sum per late invoice, owed in one currency only (never converted)."""

    currency: str
    tiers: tuple[tuple[int | None, int], ...]  # (debt below, amount), last tier open-ended

    def for_debt(self, debt_minor: int) -> int:
        for below, amount in self.tiers:
            if below is None or debt_minor < below:
                return amount
        raise AssertionError("the last tier is open-ended")


COMPENSATION = {
    Jurisdiction.SE: Compensation("SEK", ((None, 45_000),)),
    Jurisdiction.EU: Compensation("EUR", ((None, 4_000),)),
    Jurisdiction.UK: Compensation("GBP", ((100_000, 4_000), (1_000_000, 7_000), (None, 10_000))),
}


def jurisdiction_for(country: str | None, override: str | None = None) -> Jurisdiction:
    """The client's statute: its override when set, else from its ISO country code."""
    if override:
        return Jurisdiction(override)
    code = (country or "").upper()
    if code == "SE":
        return Jurisdiction.SE
    if code in ("GB", "UK"):
        return Jurisdiction.UK
    if code in EU_COUNTRIES:
        return Jurisdiction.EU
    return Jurisdiction.NONE


def half_year_start(day: date) -> date:
    """1 January or 1 July: the half-year a reference rate is fixed for."""
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def is_half_year_start(day: date) -> bool:
    return day.day == 1 and day.month in (1, 7)


def rate_is_fixed_per_debt(jurisdiction: Jurisdiction) -> bool:
    """UK: one rate for the debt's whole life, fixed by the half-year interest starts in.

    Sweden and the EU directive change the rate with each half-year the delay runs through.
    """
    return jurisdiction is Jurisdiction.UK
