"""The tone policy: the milestone sets the default, the client's record moves it one step."""

from __future__ import annotations

import re

from agent.models.draft import Tone
from agent.services.reminders.milestones import ESCALATION, PRE_DUE

_OVERDUE = re.compile(r"^overdue_(\d+)$")
_ORDER = [Tone.FRIENDLY, Tone.FORMAL, Tone.FIRM]
_FORMAL_FROM_DAYS = 7
_FIRM_FROM_DAYS = 14


def milestone_days(milestone: str) -> int:
    """Days past due that a milestone stands for: 0 for pre-due, N for ``overdue_N``."""
    if milestone == PRE_DUE:
        return 0
    if milestone == ESCALATION:
        return 10**6
    match = _OVERDUE.match(milestone)
    if match is None:
        raise ValueError(f"unknown milestone {milestone!r}")
    return int(match.group(1))


def most_advanced(milestones: list[str]) -> str:
    return max(milestones, key=milestone_days)


def default_tone(milestone: str) -> Tone:
    days = milestone_days(milestone)
    if days >= _FIRM_FROM_DAYS:
        return Tone.FIRM
    if days >= _FORMAL_FROM_DAYS:
        return Tone.FORMAL
    return Tone.FRIENDLY


def choose_tone(
    milestone: str,
    *,
    prompt_payer: bool,
    high_risk: bool,
    chronically_late: bool,
    broken_promise: bool = False,
) -> tuple[Tone, str]:
    """The tone for a reminder and the reason for it, in words a reviewer reads.

    A long record of prompt payment moves one step softer; a high-risk or chronically late
    account, or a broken promise to pay, one step firmer (never more than one step, however
    many of these hold). Opposite signals cancel out.
    """
    base = default_tone(milestone)
    reasons = [f"{milestone} milestone sets {base.value}"]
    step = 0
    if prompt_payer:
        step -= 1
        reasons.append("long record of prompt payment: one step softer")
    firmer = [
        label
        for label, held in (
            ("high risk", high_risk),
            ("chronically late", chronically_late),
            ("broken promise to pay", broken_promise),
        )
        if held
    ]
    if firmer:
        step += 1
        reasons.append(f"{', '.join(firmer)}: one step firmer")
    index = min(max(_ORDER.index(base) + step, 0), len(_ORDER) - 1)
    tone = _ORDER[index]
    if tone != base:
        reasons.append(f"tone {tone.value}")
    elif step != 0:
        reasons.append(f"tone stays {tone.value}")
    return tone, "; ".join(reasons)
