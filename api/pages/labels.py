"""Plain words for the internal names pages show: milestones, statuses, states, kinds."""

from __future__ import annotations

import re

LABELS = {
    "pre_due": "before the due date",
    "escalation": "handed to the owner",
    "pending_review": "waiting for review",
    "approved": "approved",
    "rejected": "rejected",
    "superseded": "replaced by a fresh draft",
    "sent": "sent",
    "not_yet_due": "not yet due",
    "due_soon": "due soon",
    "overdue": "overdue",
    "disputed": "disputed",
    "paid": "paid",
    "written_off": "written off",
    "void": "void",
    "open": "open",
    "done": "done",
    "newly_overdue": "newly overdue",
    "no_follow_up": "no follow-up yet",
    "unconfirmed": "delivery unconfirmed",
    "failed": "failed",
    "pending": "waiting to go out",
    "cancelled": "cancelled",
}
_OVERDUE = re.compile(r"overdue_(\d+)")


def label(name: object) -> str:
    """``overdue_14`` → ``14 days overdue``; known names → their words; others de-underscored."""
    text = str(getattr(name, "value", name) or "")
    matched = _OVERDUE.fullmatch(text)
    if matched:
        days = int(matched[1])
        return f"{days} day{'s' if days != 1 else ''} overdue"
    return LABELS.get(text, text.replace("_", " "))
