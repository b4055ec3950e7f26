"""When a reminder should reach a client: business hours in the client's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BUSINESS_START = time(9, 0)
BUSINESS_END = time(17, 0)


def next_business_slot(*, not_before: datetime, timezone: str) -> datetime:
    """The first moment at or after ``not_before`` inside Mon–Fri 09:00–17:00 local time (UTC)."""
    zone = ZoneInfo(timezone)
    local = not_before.astimezone(zone)
    while True:
        if local.weekday() >= 5:
            local = datetime.combine(local.date() + timedelta(days=1), BUSINESS_START, zone)
            continue
        if local.time() < BUSINESS_START:
            local = datetime.combine(local.date(), BUSINESS_START, zone)
        if local.time() >= BUSINESS_END:
            local = datetime.combine(local.date() + timedelta(days=1), BUSINESS_START, zone)
            continue
        return local.astimezone(UTC)


def suggested_send_at(*, send_date: date, timezone: str) -> datetime:
    """09:00 local on ``send_date``, moved to the next business day when that is a weekend."""
    start = datetime.combine(send_date, BUSINESS_START, ZoneInfo(timezone))
    return next_business_slot(not_before=start, timezone=timezone)
