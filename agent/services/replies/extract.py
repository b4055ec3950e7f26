"""Facts a reply states — dates, amounts, references — found by code, in en, sv, nl and bg.

Dates are normalised against the day the message was written: "on Friday" in a promise is the
next Friday, in "we paid on Friday" the last one; a day and month without a year is the nearest
such day in that direction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from agent.money import minor_digits

_MONTHS = {
    # en
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    # sv
    "januari": 1, "februari": 2, "mars": 3, "maj": 5, "juni": 6, "juli": 7, "augusti": 8,
    "oktober": 10,
    # nl
    "maart": 3, "mei": 5, "augustus": 8,
    # bg
    "януари": 1, "февруари": 2, "март": 3, "април": 4, "май": 5, "юни": 6, "юли": 7,
    "август": 8, "септември": 9, "октомври": 10, "ноември": 11, "декември": 12,
}  # fmt: skip
_SHORT_MONTHS = {name[:3]: number for name, number in _MONTHS.items()} | {"okt": 10, "sept": 9}
_MONTH_WORD = "|".join(sorted(set(_MONTHS) | set(_SHORT_MONTHS), key=len, reverse=True))

_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
    "måndag": 0, "tisdag": 1, "onsdag": 2, "torsdag": 3, "fredag": 4, "lördag": 5, "söndag": 6,
    "maandag": 0, "dinsdag": 1, "woensdag": 2, "donderdag": 3, "vrijdag": 4, "zaterdag": 5,
    "zondag": 6,
    "понеделник": 0, "вторник": 1, "сряда": 2, "четвъртък": 3, "петък": 4, "събота": 5,
    "неделя": 6,
}  # fmt: skip
_WEEKDAY_WORD = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))

_TODAY = r"today|idag|i dag|vandaag|днес"
_TOMORROW = r"tomorrow|imorgon|i morgon|morgen|утре"
_YESTERDAY = r"yesterday|igår|i går|gisteren|вчера"
_MONTH_END = (
    r"end of (?:the |this )?month|slutet av månaden|månadsskiftet|eind(?:e)? van de maand"
    r"|края на месеца"
)
_NEXT_WEEK = r"next week|nästa vecka|volgende week|следващата седмица"

_ISO = re.compile(r"\b(20\d\d)-(\d{1,2})-(\d{1,2})\b")
_NUMERIC = re.compile(
    r"(?<![\d.,/-])(\d{1,2})[./-](\d{1,2})(?:[./-](20\d\d|\d\d))?(?![\d/-]|[.,]\d)"
)
_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th|e|:e|:a|-?ти|-?ви|-?ри)?\.?\s+(?:of\s+)?({_MONTH_WORD})\.?(?:\s+(20\d\d))?",
    re.IGNORECASE,
)
_MONTH_DAY = re.compile(
    rf"\b({_MONTH_WORD})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(20\d\d))?", re.IGNORECASE
)
_RELATIVE = re.compile(
    rf"\b(?P<today>{_TODAY})\b|\b(?P<tomorrow>{_TOMORROW})\b|\b(?P<yesterday>{_YESTERDAY})\b"
    rf"|(?P<month_end>{_MONTH_END})|\b(?P<next_week>{_NEXT_WEEK})\b"
    rf"|\b(?P<weekday>{_WEEKDAY_WORD})\b",
    re.IGNORECASE,
)


class Direction(StrEnum):
    """Which way an incomplete date points from the message date."""

    FUTURE = "future"
    PAST = "past"


@dataclass(frozen=True)
class Found:
    value: date
    start: int


def find_dates(text: str, *, written_on: date, direction: Direction) -> list[date]:
    """Every date the text names, in order of appearance, normalised against ``written_on``."""
    found: list[Found] = []
    taken: list[range] = []

    def add(start: int, end: int, value: date | None) -> None:
        if value is None or any(start in span for span in taken):
            return
        taken.append(range(start, end))
        found.append(Found(value, start))

    for match in _ISO.finditer(text):
        add(match.start(), match.end(), _safe(*(int(g) for g in match.groups())))
    for match in _DAY_MONTH.finditer(text):
        month = _month(match.group(2))
        add(match.start(), match.end(), _complete(int(match.group(1)), month, match.group(3),
                                                 written_on, direction))  # fmt: skip
    for match in _MONTH_DAY.finditer(text):
        month = _month(match.group(1))
        add(match.start(), match.end(), _complete(int(match.group(2)), month, match.group(3),
                                                 written_on, direction))  # fmt: skip
    for match in _NUMERIC.finditer(text):
        first, second = int(match.group(1)), int(match.group(2))
        day, month = (second, first) if second > 12 >= first else (first, second)
        add(match.start(), match.end(), _complete(day, month, match.group(3), written_on,
                                                 direction))  # fmt: skip
    for match in _RELATIVE.finditer(text):
        add(match.start(), match.end(), _relative(match, written_on, direction))
    return [f.value for f in sorted(found, key=lambda f: f.start)]


def _month(word: str) -> int:
    word = word.lower().rstrip(".")
    return _MONTHS.get(word) or _SHORT_MONTHS.get(word[:4], 0) or _SHORT_MONTHS.get(word[:3], 0)


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _complete(
    day: int, month: int, year: str | None, written_on: date, direction: Direction
) -> date | None:
    if year is not None:
        full = int(year) + (2000 if len(year) == 2 else 0)
        return _safe(full, month, day)
    candidate = _safe(written_on.year, month, day)
    if candidate is None:
        return None
    if direction == Direction.FUTURE and candidate < written_on - timedelta(days=7):
        return _safe(written_on.year + 1, month, day)
    if direction == Direction.PAST and candidate > written_on + timedelta(days=7):
        return _safe(written_on.year - 1, month, day)
    return candidate


def _relative(match: re.Match[str], written_on: date, direction: Direction) -> date | None:
    if match.group("today"):
        return written_on
    if match.group("tomorrow"):
        return written_on + timedelta(days=1)
    if match.group("yesterday"):
        return written_on - timedelta(days=1)
    if match.group("month_end"):
        following = (written_on.replace(day=28) + timedelta(days=4)).replace(day=1)
        return following - timedelta(days=1)
    if match.group("next_week"):
        return written_on + timedelta(days=7 - written_on.weekday())
    weekday = _WEEKDAYS[match.group("weekday").lower()]
    if direction == Direction.FUTURE:
        return written_on + timedelta(days=(weekday - written_on.weekday()) % 7 or 7)
    return written_on - timedelta(days=(written_on.weekday() - weekday) % 7)


_CURRENCY_WORDS = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "$": "USD", "usd": "USD", "£": "GBP", "gbp": "GBP",
    "kr": "SEK", "sek": "SEK", "kronor": "SEK", "лв": "BGN", "лв.": "BGN", "bgn": "BGN",
    "лева": "BGN",
}  # fmt: skip
_CURRENCY = r"(€|\$|£|eur|euro|usd|gbp|sek|kronor|kr|bgn|лева|лв\.?)"
_NUMBER = r"(\d{1,3}(?:[ .,\u202f]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
_AMOUNT = re.compile(
    rf"(?<![\w]){_CURRENCY}\s?{_NUMBER}(?!\d)|(?<![\d.,]){_NUMBER}\s?{_CURRENCY}(?!\w)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Amount:
    amount_minor: int
    currency: str
    text: str


def find_amounts(text: str) -> list[Amount]:
    """Amounts written with a currency sign or code: "€1.234,50", "1 234,50 kr", "EUR 300"."""
    amounts: list[Amount] = []
    for match in _AMOUNT.finditer(text):
        symbol = (match.group(1) or match.group(4) or "").lower()
        number = match.group(2) or match.group(3) or ""
        currency = _CURRENCY_WORDS.get(symbol)
        value = _decimal(number)
        if currency is None or value is None or value <= 0:
            continue
        minor = int(value * (10 ** minor_digits(currency)))
        amounts.append(Amount(minor, currency, match.group(0).strip()))
    return amounts


def _decimal(number: str) -> Decimal | None:
    compact = number.replace(" ", "").replace("\u202f", "")
    decimal_part = re.search(r"[.,](\d{1,2})$", compact)
    if decimal_part:
        whole = re.sub(r"[.,]", "", compact[: decimal_part.start()])
        compact = f"{whole}.{decimal_part.group(1)}"
    else:
        compact = re.sub(r"[.,]", "", compact)
    try:
        return Decimal(compact)
    except InvalidOperation:
        return None


_REFERENCE = re.compile(
    r"\b(?:payment reference|betalningsreferens|betalingskenmerk|referentie|reference|referens"
    r"|ocr(?:-nummer)?|kenmerk|референция|основание|ref\.?|реф\.?)(?!\w)"
    r"(?:\s*(?:no\.?|nr\.?|number|nummer|номер|№))?\s*[:#]?\s*([A-Za-z0-9][A-Za-z0-9/-]{2,40})",
    re.IGNORECASE,
)


def find_reference(text: str) -> str | None:
    """The payment reference the client quotes, if any."""
    match = _REFERENCE.search(text)
    return match.group(1).rstrip(".-/") if match else None


def appears_in(needle: str, text: str) -> bool:
    """Whether ``needle`` is written in ``text`` (case, space and separator-insensitive)."""

    def fold(value: str) -> str:
        return re.sub(r"[\s.,'\u202f]", "", value).lower()

    return bool(needle) and fold(needle) in fold(text)
