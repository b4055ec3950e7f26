"""The reminder schedule: which milestone an invoice has reached on a given day.

A milestone is named by its offset from the due date: ``pre_due`` (N days before), then
``overdue_3``, ``overdue_7``, ``overdue_14`` … and finally ``escalation``, from which no client
mail is drafted and a person takes over. Only the latest milestone reached counts, so a sweep
after downtime drafts one reminder, never a burst of stale ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from agent.settings import Settings

PRE_DUE = "pre_due"
ESCALATION = "escalation"


@dataclass(frozen=True)
class Schedule:
    pre_due_days: int
    overdue_days: tuple[int, ...]
    escalation_days: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Schedule:
        days = parse_days(settings.reminder_days) or settings.reminder_overdue_days
        overdue = tuple(sorted({d for d in days if d > 0}))
        if any(d >= settings.escalation_days for d in overdue):
            raise ValueError("every reminder_overdue_days value must be below escalation_days")
        return cls(
            pre_due_days=settings.reminder_pre_due_days,
            overdue_days=overdue,
            escalation_days=settings.escalation_days,
        )

    def order(self) -> list[str]:
        """Milestone names from first to last."""
        return [PRE_DUE, *(overdue_name(d) for d in self.overdue_days), ESCALATION]


def parse_days(text: str) -> list[int]:
    """``"5, 19"`` → ``[5, 19]``: the PAYTRACK_REMINDER_DAYS setting."""
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(
            f"reminder_days must be whole days separated by commas, not {text!r}"
        ) from None


def overdue_name(days: int) -> str:
    return f"overdue_{days}"


def rank(schedule: Schedule, milestone: str) -> int:
    return schedule.order().index(milestone)


def reached(
    schedule: Schedule,
    *,
    due_date: date,
    as_of: date,
    pre_due_days: int | None = None,
    overdue_offsets: tuple[int, ...] | None = None,
) -> str | None:
    """The latest milestone reached on ``as_of``, or None between milestones' windows.

    ``pre_due_days`` lets the risk model ask for an earlier pre-due reminder for one invoice,
    and ``overdue_offsets`` (one day per configured overdue milestone, ``risk.timing``) move
    its overdue reminders sooner or later; the milestones keep their configured names.
    """
    offset = (as_of - due_date).days
    if offset >= schedule.escalation_days:
        return ESCALATION
    days = overdue_offsets or schedule.overdue_days
    passed = [
        name
        for name, day in zip(schedule.overdue_days, days, strict=True)
        if offset >= min(day, schedule.escalation_days - 1)
    ]
    if passed:
        return overdue_name(passed[-1])
    window = schedule.pre_due_days if pre_due_days is None else pre_due_days
    if -window <= offset <= 0:
        return PRE_DUE
    return None
