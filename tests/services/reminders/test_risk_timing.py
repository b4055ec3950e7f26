"""The risk band moves overdue reminders too: sooner for high risk, later for reliable payers."""

from __future__ import annotations

from datetime import date, timedelta

from agent.services.reminders import milestones
from agent.services.reminders.milestones import Schedule
from risk import timing

SCHEDULE = Schedule(pre_due_days=3, overdue_days=(3, 7, 14), escalation_days=21)
DUE = date(2026, 3, 31)


def test_offsets_by_band_stay_ordered_and_distinct() -> None:
    assert timing.overdue_offsets("high") == (1, 5, 12)
    assert timing.overdue_offsets("medium") == (3, 7, 14)
    assert timing.overdue_offsets("low") == (5, 9, 16)
    assert timing.overdue_offsets("high", (1, 2, 3)) == (1, 2, 3)
    assert timing.overdue_offsets("low", expected_days_late=5) == (6, 9, 16)
    assert timing.overdue_offsets("low", expected_days_late=40) == (6, 9, 16)


def test_a_high_risk_invoice_is_chased_on_the_day_its_plan_names() -> None:
    offsets = timing.overdue_offsets("high")
    plan = timing.plan(band="high", due_date=DUE, expected_payment_date=DUE, as_of=DUE)
    assert plan.next_follow_up_date == DUE + timedelta(days=1)
    reached = milestones.reached(
        SCHEDULE, due_date=DUE, as_of=plan.next_follow_up_date, overdue_offsets=offsets
    )
    assert reached == "overdue_3"
    assert milestones.reached(SCHEDULE, due_date=DUE, as_of=plan.next_follow_up_date) is None


def test_a_reliable_payer_is_chased_later_and_still_meets_every_milestone() -> None:
    offsets = timing.overdue_offsets("low")
    seen = [
        milestones.reached(
            SCHEDULE, due_date=DUE, as_of=DUE + timedelta(days=d), overdue_offsets=offsets
        )
        for d in range(1, 22)
    ]
    assert seen[:4] == [None] * 4
    assert [m for i, m in enumerate(seen) if m and m != (seen[i - 1] if i else None)] == [
        "overdue_3",
        "overdue_7",
        "overdue_14",
        "escalation",
    ]
