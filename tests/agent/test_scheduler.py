"""The daily schedule under ``paytrack serve``: when it fires, and that it fires."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time

import pytest

from agent.scheduler import DailySweep, next_run_at, parse_daily_at


def test_next_run_is_later_today_or_tomorrow_in_local_time() -> None:
    morning = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Amsterdam
    assert next_run_at(now=morning, daily_at=time(8), timezone="Europe/Amsterdam") == datetime(
        2026, 3, 2, 7, 0, tzinfo=UTC
    )
    evening = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # exactly 08:00 local: next is tomorrow
    assert next_run_at(now=evening, daily_at=time(8), timezone="Europe/Amsterdam") == datetime(
        2026, 3, 3, 7, 0, tzinfo=UTC
    )


def test_daylight_saving_keeps_local_time() -> None:
    before_switch = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    nxt = next_run_at(now=before_switch, daily_at=time(8), timezone="Europe/Amsterdam")
    assert nxt.astimezone(UTC) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # CEST from 29 March


@pytest.mark.parametrize("text", ["8", "25:00", "ab:cd", ""])
def test_bad_daily_at_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        parse_daily_at(text)


def test_daily_sweep_runs_the_job_when_due_and_stops() -> None:
    ran: list[date] = []
    fired = threading.Event()
    base = datetime(2026, 3, 2, 7, 59, 59, 950_000, tzinfo=UTC)
    started = datetime.now(UTC)

    def clock() -> datetime:
        return base + (datetime.now(UTC) - started)

    def job(day: date) -> None:
        ran.append(day)
        fired.set()

    schedule = DailySweep(job, daily_at=time(8), timezone="UTC", clock=clock)
    schedule.start()
    assert fired.wait(5)
    schedule.stop()
    assert ran == [date(2026, 3, 2)]
    assert schedule.runs == 1
