"""Writing cells that a spreadsheet program will not run as formulas (CSV/formula injection)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

Value = str | int | Decimal | date | None

# A cell starting with one of these is read as a formula (or shifted into one) by Excel,
# LibreOffice and Google Sheets; a leading apostrophe makes it plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """``=HYPERLINK(...)`` → ``'=HYPERLINK(...)``; other text unchanged."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_cell(value: Value) -> Value:
    """Text is neutralised; numbers and dates written by paytrack itself stay as they are."""
    return safe_text(value) if isinstance(value, str) else value
