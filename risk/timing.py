"""When to remind: the pre-due reminder and the follow-ups after the due date, by risk band.

The rule (also in docs/risk.md), applied by the sweep and shown with every score:

- pre-due reminder: high risk 7 days before the due date, medium 5, low 3; if that day has
  passed but the invoice is not yet due, today;
- after the due date the configured reminder days (3, 7, 14 by default) move with the risk:
  high risk ``OVERDUE_SHIFT`` days sooner (3, 7, 14 → 1, 5, 12), low risk later (→ 5, 9, 16),
  medium as configured; a low-risk client whose expected payment date is after the due date is
  first chased the day after that date, but never later than the second reminder day would
  allow. The days stay in order and distinct, so every milestone of the ladder is still met;
- a follow-up is never before today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

PRE_DUE_DAYS = {"high": 7, "medium": 5, "low": 3}
OVERDUE_SHIFT = {"high": -2, "medium": 0, "low": 2}
DEFAULT_OVERDUE_DAYS = (3, 7, 14)


@dataclass(frozen=True)
class FollowUpPlan:
    pre_due_reminder_date: date | None
    next_follow_up_date: date
    follow_up_days: tuple[int, ...]
    rule: str


def overdue_offsets(
    band: str | None,
    overdue_days: tuple[int, ...] = DEFAULT_OVERDUE_DAYS,
    *,
    expected_days_late: int | None = None,
) -> tuple[int, ...]:
    """Days after the due date on which each configured overdue reminder falls for ``band``."""
    shift = OVERDUE_SHIFT.get(band or "", 0)
    offsets: list[int] = []
    floor = 1
    for i, day in enumerate(overdue_days):
        moved = max(floor, day + shift)
        if i == 0 and band == "low" and expected_days_late and expected_days_late > 0:
            latest = overdue_days[1] - 1 if len(overdue_days) > 1 else moved + 7
            moved = max(moved, min(expected_days_late + 1, latest))
        offsets.append(moved)
        floor = moved + 1
    return tuple(offsets)


def plan(
    *,
    band: str,
    due_date: date,
    expected_payment_date: date,
    as_of: date,
    overdue_days: tuple[int, ...] = DEFAULT_OVERDUE_DAYS,
) -> FollowUpPlan:
    """Suggested reminder dates for one open invoice judged on ``as_of``."""
    pre_due: date | None = None
    if as_of <= due_date:
        pre_due = max(due_date - timedelta(days=PRE_DUE_DAYS[band]), as_of)
    offsets = overdue_offsets(
        band, overdue_days, expected_days_late=(expected_payment_date - due_date).days
    )
    upcoming = [
        due_date + timedelta(days=d) for d in offsets if due_date + timedelta(days=d) >= as_of
    ]
    follow_up = upcoming[0] if upcoming else as_of
    rule = (
        f"{band} risk: reminder {PRE_DUE_DAYS[band]} days before due, then "
        f"{', '.join(str(d) for d in offsets)} days after it"
    )
    return FollowUpPlan(
        pre_due_reminder_date=pre_due,
        next_follow_up_date=follow_up,
        follow_up_days=offsets,
        rule=rule,
    )
