"""The in-process daily sweep that runs while ``paytrack serve`` is up."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)


def parse_daily_at(text: str) -> time:
    try:
        hours, minutes = (int(part) for part in text.strip().split(":"))
        return time(hours, minutes)
    except ValueError:
        raise ValueError(f"monitor_daily_at must be HH:MM, got {text!r}") from None


def next_run_at(*, now: datetime, daily_at: time, timezone: str) -> datetime:
    """The next moment the clock in ``timezone`` shows ``daily_at``, strictly after ``now``."""
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    candidate = datetime.combine(local_now.date(), daily_at, zone)
    if candidate <= local_now:
        candidate = datetime.combine(local_now.date() + timedelta(days=1), daily_at, zone)
    return candidate


class DailySweep:
    """A daemon thread that calls ``job(today)`` once a day at a local time; stoppable."""

    def __init__(
        self,
        job: Callable[[date], object],
        *,
        daily_at: time,
        timezone: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._job = job
        self._daily_at = daily_at
        self._timezone = timezone
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="paytrack-daily-sweep", daemon=True)
        self.runs = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            due = next_run_at(now=self._clock(), daily_at=self._daily_at, timezone=self._timezone)
            wait = max(0.0, (due - self._clock()).total_seconds())
            if self._stop.wait(wait):
                return
            try:
                self._job(due.date())
                self.runs += 1
            except Exception:  # the schedule must survive one bad day
                log.exception("daily sweep failed")
