"""When to remind: a pre-due reminder and the next follow-up, from the predicted risk.

The rule (also in docs/risk.md):

- pre-due reminder: high risk 7 days before the due date, medium 5, low 3; if that day has
  passed but the invoice is not yet due, today;
- next follow-up after the due date: the first one ``FIRST_AFTER_DUE`` days after the due date
  (high 1, medium 3, low 7), then every ``CADENCE`` days (high 4, medium 7, low 14); a low-risk
  client whose expected payment date is after the due date gets the first follow-up on the
  day after that expected date instead, since chasing earlier is likely wasted;
- a follow-up is never before today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

PRE_DUE_DAYS = {"high": 7, "medium": 5, "low": 3}
FIRST_AFTER_DUE = {"high": 1, "medium": 3, "low": 7}
CADENCE = {"high": 4, "medium": 7, "low": 14}


@dataclass(frozen=True)
class FollowUpPlan:
    pre_due_reminder_date: date | None
    next_follow_up_date: date
    cadence_days: int
    rule: str


def plan(*, band: str, due_date: date, expected_payment_date: date, as_of: date) -> FollowUpPlan:
    """Suggested reminder dates for one open invoice judged on ``as_of``."""
    pre_due: date | None = None
    if as_of <= due_date:
        pre_due = max(due_date - timedelta(days=PRE_DUE_DAYS[band]), as_of)
    first = due_date + timedelta(days=FIRST_AFTER_DUE[band])
    if band == "low" and expected_payment_date > due_date:
        first = max(first, expected_payment_date + timedelta(days=1))
    cadence = CADENCE[band]
    follow_up = first
    if follow_up < as_of:
        steps = -(-(as_of - first).days // cadence)
        follow_up = first + timedelta(days=steps * cadence)
    rule = (
        f"{band} risk: reminder {PRE_DUE_DAYS[band]} days before due, first follow-up "
        f"{FIRST_AFTER_DUE[band]} days after due, then every {cadence} days"
    )
    return FollowUpPlan(
        pre_due_reminder_date=pre_due,
        next_follow_up_date=follow_up,
        cadence_days=cadence,
        rule=rule,
    )
