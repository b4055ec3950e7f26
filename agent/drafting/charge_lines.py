"""The claimed late-payment charges as lines a reminder states word for word, per language.

Rendered by code like every other fact; the words avoid anything the guardrails read as
collection or legal threats, and every figure is one of the facts.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal

from agent.drafting.facts import ChargeFact, DraftFacts
from agent.drafting.formatting import format_day

_WORDS = {
    "en": {
        "header": "Late-payment charges as of {day}:",
        "invoice": "Invoice {number}",
        "interest": "interest ({rate} % a year) {amount}",
        "compensation": "compensation for recovery costs {amount}",
        "fees": "reminder fees {amount}",
    },
    "sv": {
        "header": "Förseningskostnader per den {day}:",
        "invoice": "Faktura {number}",
        "interest": "dröjsmålsränta ({rate} % per år) {amount}",
        "compensation": "förseningsersättning {amount}",
        "fees": "påminnelseavgifter {amount}",
    },
    "nl": {
        "header": "Kosten van de late betaling per {day}:",
        "invoice": "Factuur {number}",
        "interest": "wettelijke handelsrente ({rate}% per jaar) {amount}",
        "compensation": "vergoeding voor invorderingskosten {amount}",
        "fees": "herinneringskosten {amount}",
    },
    "bg": {
        "header": "Разходи за забавено плащане към {day}:",
        "invoice": "Фактура {number}",
        "interest": "лихва ({rate}% годишно) {amount}",
        "compensation": "обезщетение за разходи {amount}",
        "fees": "такси за напомняне {amount}",
    },
}


def rate_text(rate: Decimal, locale: str) -> str:
    return format_decimal(rate, format="#,##0.00", locale=locale)


def charge_block(facts: DraftFacts) -> str:
    """Empty when nothing is claimed; otherwise a header line and one line per invoice."""
    lines = [_line(facts, charge) for charge in facts.charges if charge.amounts]
    if not lines or facts.charges_as_of is None:
        return ""
    words = _WORDS[facts.language]
    header = words["header"].format(day=format_day(facts.charges_as_of, facts.locale))
    return "\n".join([header, *lines])


def _line(facts: DraftFacts, charge: ChargeFact) -> str:
    words = _WORDS[facts.language]
    parts = []
    if charge.interest_minor:
        parts.append(
            words["interest"].format(
                rate=rate_text(charge.rate_percent or Decimal(0), facts.locale),
                amount=facts.money(charge.interest_minor, charge.currency),
            )
        )
    if charge.compensation_minor:
        parts.append(
            words["compensation"].format(
                amount=facts.money(charge.compensation_minor, charge.currency)
            )
        )
    if charge.reminder_fee_minor:
        parts.append(
            words["fees"].format(amount=facts.money(charge.reminder_fee_minor, charge.currency))
        )
    return f"- {words['invoice'].format(number=charge.number)}: " + "; ".join(parts)
