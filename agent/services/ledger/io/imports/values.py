"""Turning spreadsheet cells into dates, money, yes/no and payment terms.

Every parser raises ``CellError`` with a reason a spreadsheet user understands; the row
parsers turn it into a ``RowProblem`` naming the line and column.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from agent.inputs import unsafe_reason
from agent.services.ledger.io.imports.reading import Cell

_EXCEL_EPOCH = date(1899, 12, 30)
_PLAIN_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_SYMBOLS = {"€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₽": "RUB", "₺": "TRY", "zł": "PLN"}
_DOLLARS = frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"})
_TRUE = frozenset({"yes", "y", "true", "t", "1", "ja", "j", "x"})
_FALSE = frozenset({"no", "n", "false", "f", "0", "nee"})
_TERMS = re.compile(r"^(?:net\s*)?(\d{1,4})(?:\s*(?:days?|d|dagen))?$", re.IGNORECASE)


class CellError(ValueError):
    """A cell that cannot be read as the value its column needs."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_date(value: Cell, *, date_format: str | None) -> date:
    """ISO dates always; ``date_format`` (strptime) when given; Excel date cells and serials."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2_958_466:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(f"{value!r} is not a date")
    text = str(value).strip()
    if date_format is None and _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass  # e.g. 2026-02-30: the message below names the expected form
    formats = [date_format] if date_format else []
    formats += ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    expected = (
        f"{date_format} or YYYY-MM-DD" if date_format else "YYYY-MM-DD (or use --date-format)"
    )
    raise CellError(f"{text!r} is not a date in the form {expected}")


def parse_amount(value: Cell, *, decimal_comma: bool) -> tuple[Decimal, frozenset[str]]:
    """A decimal amount and the currencies its symbol or code allows (empty when none given).

    Accepts ``1,234.56``, ``1.234,56``, ``€ 1 234,56``, ``EUR 12.50``; ``(100.00)`` and
    ``-100`` come back negative so the caller can refuse them by name.
    """
    if isinstance(value, bool | date):
        raise CellError(f"{value!r} is not an amount")
    if isinstance(value, int | float):
        return Decimal(str(value)), frozenset()
    text = str(value).strip()
    if _PLAIN_AMOUNT.fullmatch(text):
        return Decimal(text), frozenset()  # what the rules below make of 1234 or 1234.5(0)
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    currencies, text = _strip_currency(text)
    text = _SPACES.sub("", text)
    if text.startswith("-") or text.endswith("-"):
        negative, text = True, text.strip("-")
    text = text.lstrip("+")
    if not re.fullmatch(r"[0-9.,]*[0-9][0-9.,]*", text):
        raise CellError(f"{value!r} is not an amount")
    number = _normalise_separators(text, decimal_comma=decimal_comma, original=str(value))
    try:
        amount = Decimal(number)
    except InvalidOperation:
        raise CellError(f"{value!r} is not an amount") from None
    return (-amount if negative else amount), currencies


def _strip_currency(text: str) -> tuple[frozenset[str], str]:
    for symbol, code in _SYMBOLS.items():
        if symbol in text:
            return frozenset({code}), text.replace(symbol, "")
    if "$" in text:
        match = re.search(r"\b([A-Z]{2})?\$", text)
        prefix = match.group(1) if match else None
        text = re.sub(r"\b[A-Z]{2}\$|\$", "", text)
        return (frozenset({f"{prefix}D"}) if prefix else _DOLLARS), text
    match = re.search(r"[A-Za-z]{3}", text)
    if match:
        return frozenset({match.group(0).upper()}), text.replace(match.group(0), "")
    return frozenset(), text


def _normalise_separators(text: str, *, decimal_comma: bool, original: str) -> str:
    """Plain ``1234.56`` from grouped text; a grouping that does not fit is refused, not guessed."""
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
    elif text.count(",") + text.count(".") == 1 and len(re.split(r"[.,]", text)[1]) != 3:
        decimal = "," if "," in text else "."
    else:
        decimal = "," if decimal_comma else "."
    group = "." if decimal == "," else ","
    whole, _, fraction = text.partition(decimal)
    if decimal in fraction or group in fraction:
        raise CellError(f"{original!r} is not an amount")
    if group in whole and not re.fullmatch(rf"\d{{1,3}}(\{group}\d{{3}})+", whole):
        hint = "" if decimal_comma else " (for 1.234,56-style numbers use --decimal-comma)"
        raise CellError(f"{original!r} is not an amount{hint}")
    whole = whole.replace(group, "")
    return f"{whole or '0'}.{fraction}" if fraction else whole


def parse_bool(value: Cell) -> bool:
    """yes/no, true/false, 1/0, y/n, ja/nee."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"{value!r} is not yes or no")


def parse_terms(value: Cell) -> int:
    """``30``, ``Net 30``, ``30 days`` → 30."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value == int(value):
        days = int(value)
    else:
        match = _TERMS.match(str(value).strip())
        if not match:
            raise CellError(f"{value!r} is not payment terms like '30', 'Net 30' or '30 days'")
        days = int(match.group(1))
    if not 0 <= days <= 3650:
        raise CellError(f"terms of {days} days are outside 0–3650")
    return days


def parse_text(value: Cell, *, max_length: int, multiline: bool = False) -> str:
    """A text cell, stripped; refused when it carries what ``agent.inputs`` refuses."""
    text = value.isoformat() if isinstance(value, date) else str(value).strip()
    if isinstance(value, float) and value == int(value):
        text = str(int(value))
    reason = unsafe_reason(text, multiline=multiline)
    if reason is not None:
        raise CellError(reason)
    if len(text) > max_length:
        raise CellError(f"longer than {max_length} characters")
    return text
