"""What the meaning check decides about a draft's prose: narrow yes/no questions."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from agent.drafting.facts import DraftFacts
from agent.drafting.guardrails import GuardrailViolation

MEANING = "meaning"


class MeaningVerdict(BaseModel):
    """One yes/no per claim prose may not make; the strict schema asked of an LLM checker."""

    model_config = ConfigDict(extra="forbid")

    claims_change: bool
    threatens: bool
    pressures_beyond_tone: bool
    redirects_payment: bool
    claims_not_yet_due: bool
    states_total: bool
    not_in_requested_language: bool
    not_in_requested_tone: bool

    def violations(self, facts: DraftFacts, *, source: str) -> list[GuardrailViolation]:
        """The verdict as violations for ``facts`` (not yet due is true before the due date)."""
        flagged = [
            name
            for name, held in self.model_dump().items()
            if held and not (name == "claims_not_yet_due" and not facts.overdue)
        ]
        return [
            GuardrailViolation(f"{MEANING}_{name}", f"{_REASONS[name]} ({source})")
            for name in flagged
        ]


_REASONS = {
    "claims_change": "the prose claims an invoice is cancelled, waived, reduced, discounted, "
    "paid, moved, disputed or no longer due",
    "threatens": "the prose threatens a consequence; only the facts block may state one",
    "pressures_beyond_tone": "the prose pressures beyond what the tone allows",
    "redirects_payment": "the prose sends payment or replies somewhere else",
    "claims_not_yet_due": "the prose says an overdue invoice is not yet due",
    "states_total": "the prose states an amount or total; only the facts block may",
    "not_in_requested_language": "the prose is not in the requested language",
    "not_in_requested_tone": "the prose is not in the requested tone",
}
