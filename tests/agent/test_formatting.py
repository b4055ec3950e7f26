"""Amounts as people read and type them: babel formatting, decimal commas, plurals, locales."""

from __future__ import annotations

import pytest

from agent.errors import InvalidAmount
from agent.formatting import locale_from_header, money, parse_amount, plural


def test_money_reads_as_the_locale_writes_it() -> None:
    assert money(52_794_936, "SEK", "sv") == "527\u00a0949,36\u00a0kr"
    assert money(123_450, "EUR", "en") == "€1,234.50"
    assert money(123_450, "EUR", "nl") == "€\u00a01.234,50"
    assert money(1_500, "JPY", "en") == "¥1,500"


@pytest.mark.parametrize(
    ("typed", "locale", "minor"),
    [
        ("250,50", "sv", 25_050),
        ("250.50", "sv", 25_050),
        ("1 234,50", "sv", 123_450),
        ("1.234,50", "de", 123_450),
        ("1,234.50", "en", 123_450),
        ("1234", "en", 123_400),
    ],
)
def test_amounts_are_read_as_typed_in_the_locale(typed: str, locale: str, minor: int) -> None:
    assert parse_amount(typed, "EUR", locale, field="amount") == minor


@pytest.mark.parametrize(
    ("typed", "locale"), [("250,50", "en"), ("1,23", "en"), ("", "en"), ("x", "sv")]
)
def test_ambiguous_or_junk_amounts_are_refused_naming_the_field(typed: str, locale: str) -> None:
    with pytest.raises(InvalidAmount) as caught:
        parse_amount(typed, "EUR", locale, field="amount")
    assert caught.value.field == "amount"


def test_plurals_and_locale_negotiation() -> None:
    assert (plural(1, "day"), plural(2, "day"), plural(0, "day")) == ("1 day", "2 days", "0 days")
    assert locale_from_header("sv-SE,sv;q=0.9,en;q=0.8") == "sv_SE"
    assert locale_from_header("xx, de;q=0.5") == "de"
    assert locale_from_header(None) == "en"
