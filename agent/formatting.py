"""How numbers read to a person: money in the viewer's locale, plurals, amounts as typed.

``agent.money`` keeps the locale-neutral forms (``1234.50 EUR``) used by exports and logs;
this module is for pages and messages a person reads.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal, get_decimal_symbol

from agent.errors import InvalidAmount
from agent.money import to_decimal, to_minor

DEFAULT_LOCALE = "en"


def locale_from_header(accept_language: str | None, *, default: str = DEFAULT_LOCALE) -> str:
    """The first locale of an ``Accept-Language`` header that babel knows, else ``default``."""
    ranked: list[tuple[float, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*":
            ranked.append((-quality + index * 1e-6, tag))
    for _, tag in sorted(ranked):
        try:
            return str(Locale.parse(tag.replace("-", "_")))
        except (ValueError, UnknownLocaleError):
            continue
    return default


def money(amount_minor: int, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """``€1,234.50`` (en), ``1 234,50 kr`` (sv): one amount in one currency, as people read it."""
    return format_currency(to_decimal(amount_minor, currency), currency, locale=locale)


def number(value: int | float | Decimal, locale: str = DEFAULT_LOCALE) -> str:
    """A count or plain figure with the locale's grouping: ``12,345``."""
    return format_decimal(value, locale=locale)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 day``, ``2 days``, ``0 days`` — English words for the pages' own labels."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count} {word}"


def parse_amount(text: str, currency: str, locale: str = DEFAULT_LOCALE, *, field: str) -> int:
    """Minor units from an amount as a person types it in ``locale``.

    ``250,50`` is accepted where the locale writes decimal commas (``sv``, ``nl``, ``de``), and
    ``250.50`` everywhere, since a dot is how number pads write decimals. Grouping (``1 234,50``,
    ``1.234,50``, ``1,234.50``) is accepted only where it cannot be mistaken for the decimal.
    """
    cleaned = re.sub(r"[\s\u00a0\u202f']", "", text or "")
    if not cleaned:
        raise InvalidAmount("enter an amount", field=field)
    sign = "-" if cleaned.startswith("-") else ""
    digits = cleaned.lstrip("+-")
    if get_decimal_symbol(locale) == "," and "," in digits:
        match = _COMMA_DECIMAL.fullmatch(digits)
        plain = match and (match[1].replace(".", "") + "." + (match[2] or "0"))
    else:
        match = _DOT_DECIMAL.fullmatch(digits)
        plain = match and (match[1].replace(",", "") + "." + (match[2] or "0"))
    if not plain:
        raise InvalidAmount(f"{text!r} is not an amount", field=field)
    return to_minor(sign + plain, currency, field=field)


_COMMA_DECIMAL = re.compile(r"(\d{1,3}(?:\.\d{3})+|\d+),(\d*)")
_DOT_DECIMAL = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d*))?")
