"""Dates and amounts as a client in a given locale reads them (babel)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from babel.dates import format_date


@lru_cache(maxsize=8_192)
def format_day(day: date, locale: str) -> str:
    """``5 March 2024`` (en_GB), ``5 mars 2024`` (sv), ``5 март 2024 г.`` (bg).

    Cached: a sweep formats the same few hundred due dates for thousands of drafts.
    """
    return format_date(day, "long", locale=locale).replace("\u202f", " ").replace("\xa0", " ")
