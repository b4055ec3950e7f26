"""Money as integer minor units with an ISO 4217 code: parsing, validation and formatting."""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision, list_currencies

from agent.errors import InvalidAmount, InvalidCurrency

_ISO_CURRENCIES = frozenset(list_currencies())


def normalise_currency(code: str, *, field: str = "currency") -> str:
    """Upper-cased ISO 4217 code, or ``InvalidCurrency`` naming the field."""
    candidate = (code or "").strip().upper()
    if len(candidate) != 3 or candidate not in _ISO_CURRENCIES:
        raise InvalidCurrency(f"{code!r} is not an ISO 4217 currency code", field=field)
    return candidate


@functools.lru_cache(maxsize=512)
def minor_digits(currency: str) -> int:
    """Decimals of ``currency`` (2 for EUR, 0 for JPY); cached: exports and imports ask per row."""
    return int(get_currency_precision(currency))


def to_minor(amount: Decimal | str | int, currency: str, *, field: str = "amount") -> int:
    """Exact conversion of a decimal amount to minor units; refuses sub-minor precision."""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except InvalidOperation:
        raise InvalidAmount(f"{amount!r} is not a number", field=field) from None
    if not value.is_finite():
        raise InvalidAmount(f"{amount!r} is not a finite number", field=field)
    scaled = value.scaleb(minor_digits(currency))
    if scaled != scaled.to_integral_value():
        raise InvalidAmount(
            f"{amount} has more decimals than {currency} allows ({minor_digits(currency)})",
            field=field,
        )
    return int(scaled)


def to_decimal(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-minor_digits(currency))


def format_plain(amount_minor: int, currency: str) -> str:
    """Locale-neutral ``1234.50 EUR``: for CLI tables, exports and logs."""
    digits = minor_digits(currency)
    whole, part = divmod(abs(amount_minor), 10**digits)
    sign = "-" if amount_minor < 0 else ""
    return f"{sign}{whole}.{part:0{digits}d} {currency}" if digits else f"{sign}{whole} {currency}"


@functools.lru_cache(maxsize=65_536)
def format_for_locale(amount_minor: int, currency: str, locale: str) -> str:
    """``€ 1.234,50`` for nl, ``1 234,50 kr`` for sv: what a client reads.

    Cached: a draft formats each of its amounts several times (facts block, subject, checks),
    and babel's formatting was a tenth of a sweep's time."""
    return format_currency(to_decimal(amount_minor, currency), currency, locale=locale)
