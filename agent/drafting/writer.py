"""LLM first, checked; one retry with the reasons as feedback; then the templates.

The LLM writes only the prose; the code assembles subject and body around its facts block.
The result records who wrote the draft (``llm`` or ``template``), the model and prompt version,
why the templates took over, and every attempt, so a reviewer sees what happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from agent.drafting.compose import assemble
from agent.drafting.facts import DraftFacts, DraftOut, DraftProse, DraftWriter
from agent.drafting.guardrails import GuardrailViolation
from agent.drafting.meaning.check import MeaningCheck, OfflineMeaningCheck
from agent.drafting.prose_check import check_assembled, check_prose
from agent.drafting.templates import TemplateDrafter
from agent.errors import DraftWriterFailed, MalformedDraft
from agent.models.draft import Tone
from prompts.loader import ReminderPrompt, load_reminder_prompt

Drafter = Literal["llm", "template"]


class DraftAttempt(BaseModel):
    """One try at a draft: what failed, if anything."""

    drafter: Drafter
    error: str | None = None
    violations: list[str] = Field(default_factory=list)


class DraftResult(BaseModel):
    """The draft to queue, with its provenance. ``violations`` is empty unless even the
    template failed its checks; then no draft may be queued without a person looking first."""

    subject: str
    body: str
    tone: Tone
    tone_reason: str
    language: str
    drafter: Drafter
    model: str
    prompt_version: str
    fallback_reason: str | None = None
    attempts: list[DraftAttempt] = Field(default_factory=list)
    violations: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


def default_checks() -> list[MeaningCheck]:
    return [OfflineMeaningCheck()]


def draft_with_fallback(
    facts: DraftFacts,
    *,
    writer: DraftWriter | None,
    template_drafter: TemplateDrafter | None = None,
    prompt: ReminderPrompt | None = None,
    checks: Sequence[MeaningCheck] | None = None,
) -> DraftResult:
    """Write the reminder for ``facts``; ``writer=None`` (no key configured) means templates.

    ``checks`` are the meaning checks the LLM's prose must pass (the offline classifier by
    default; the LLM checker too when a key is set).
    """
    template_drafter = template_drafter or TemplateDrafter()
    if writer is None:
        return _from_template(facts, template_drafter, "no LLM configured", [])
    checks = default_checks() if checks is None else checks
    prompt = prompt or load_reminder_prompt()
    attempts: list[DraftAttempt] = []
    feedback: list[str] | None = None
    for _ in range(2):
        try:
            prose = writer.write(facts, prompt, feedback=feedback)
        except MalformedDraft as exc:
            attempts.append(DraftAttempt(drafter="llm", error=exc.message))
            feedback = [f"{exc.message}; answer with the JSON object only"]
            continue
        except DraftWriterFailed as exc:
            attempts.append(DraftAttempt(drafter="llm", error=exc.message))
            return _from_template(facts, template_drafter, exc.message, attempts)
        violations = check_prose(facts, prose, checks=checks)
        if not violations:
            draft = assemble(facts, prose)
            return _result(facts, draft, "llm", writer.model, prompt.version, None, attempts, [])
        attempts.append(DraftAttempt(drafter="llm", violations=_strings(violations)))
        feedback = _strings(violations)
    return _from_template(facts, template_drafter, _give_up_reason(attempts), attempts)


def _give_up_reason(attempts: list[DraftAttempt]) -> str:
    last = attempts[-1]
    why = last.error or "; ".join(last.violations)
    return f"LLM draft rejected twice; last: {why}"


def _from_template(
    facts: DraftFacts,
    template_drafter: TemplateDrafter,
    reason: str,
    attempts: list[DraftAttempt],
) -> DraftResult:
    prose: DraftProse = template_drafter.write(facts)
    draft = assemble(facts, prose)
    # The template's words are the project's own: only the rules run, not the classifiers.
    violations = _strings(check_assembled(facts, subject=draft.subject, body=draft.body))
    attempts = [*attempts, DraftAttempt(drafter="template", violations=violations)]
    return _result(
        facts,
        draft,
        "template",
        template_drafter.model,
        template_drafter.prompt_version,
        reason,
        attempts,
        violations,
    )


def _result(
    facts: DraftFacts,
    draft: DraftOut,
    drafter: Drafter,
    model: str,
    prompt_version: str,
    fallback_reason: str | None,
    attempts: list[DraftAttempt],
    violations: list[str],
) -> DraftResult:
    return DraftResult(
        subject=draft.subject,
        body=draft.body,
        tone=draft.tone,
        tone_reason=facts.tone_reason,
        language=draft.language,
        drafter=drafter,
        model=model,
        prompt_version=prompt_version,
        fallback_reason=fallback_reason,
        attempts=attempts,
        violations=violations,
    )


def _strings(violations: list[GuardrailViolation]) -> list[str]:
    return [str(violation) for violation in violations]
