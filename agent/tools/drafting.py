"""Planning and writing a reminder: tone policy, send time, the writer port and guardrails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from agent.drafting.facts import (
    Consequence,
    DraftFacts,
    DraftOut,
    DraftWriter,
    InvoiceFact,
    draft_language,
    locale_for,
)
from agent.drafting.guardrails import check_draft
from agent.drafting.templates import TemplateDrafter
from agent.drafting.tone import choose_tone, most_advanced
from agent.models.draft import Tone
from agent.services.send_window import suggested_send_at
from agent.settings import Settings
from prompts.loader import CURRENT_REMINDER_VERSION, load_reminder_prompt


def plan(context: dict[str, Any], risk: dict[str, Any]) -> dict[str, Any]:
    """Milestone, tone and why, language and the suggested send time for this reminder."""
    milestone = most_advanced([row["milestone"] for row in context["invoices"]])
    tone, reason = choose_tone(
        milestone,
        prompt_payer=bool(risk.get("prompt_payer")),
        high_risk=risk.get("band") == "high",
        chronically_late=bool(risk.get("chronically_late")),
        broken_promise=context.get("broken_promise_date") is not None,
    )
    send_on = date.fromisoformat(risk.get("send_on") or context["as_of"])
    send_on = max(send_on, date.fromisoformat(context["as_of"]))
    when = suggested_send_at(send_date=send_on, timezone=context["client"]["timezone"])
    return {
        "milestone": milestone,
        "tone": tone.value,
        "tone_reason": reason,
        "language": draft_language(context["client"]["language"]),
        "suggested_send_at": when.isoformat(),
    }


def facts_for(context: dict[str, Any], plan_: dict[str, Any]) -> DraftFacts:
    """The facts a reminder may state, built only from the ledger context and the plan."""
    client, owner = context["client"], context["owner"]
    language = plan_["language"]
    consequence = client.get("reminder_consequence")
    promise = context.get("broken_promise_date")
    return DraftFacts(
        client_name=client["name"],
        language=language,
        locale=locale_for(language, client.get("country")),
        invoices=[
            InvoiceFact(
                number=row["number"],
                outstanding_minor=row["outstanding_minor"],
                currency=row["currency"],
                due_date=date.fromisoformat(row["due_date"]),
                days_overdue=row["days_overdue"],
                milestone=row["milestone"],
            )
            for row in context["invoices"]
        ],
        tone=Tone(plan_["tone"]),
        tone_reason=plan_["tone_reason"],
        broken_promise_date=date.fromisoformat(promise) if promise else None,
        owner_name=owner["name"],
        signature=f"{owner['name']}\n{owner['email']}",
        allowed_consequence=Consequence(consequence) if consequence else None,
        untrusted_notes=list(context.get("untrusted_notes", [])),
    )


@dataclass(frozen=True)
class DraftingKit:
    """The writers the graph may use: an LLM writer when configured, and the templates."""

    llm: DraftWriter | None
    templates: TemplateDrafter

    @classmethod
    def from_settings(cls, settings: Settings) -> DraftingKit:
        from agent.llm import build_draft_writer

        return cls(llm=build_draft_writer(settings=settings), templates=TemplateDrafter())

    @property
    def has_llm(self) -> bool:
        return self.llm is not None

    def write(
        self,
        context: dict[str, Any],
        plan_: dict[str, Any],
        *,
        feedback: list[str] | None,
        use_template: bool,
    ) -> dict[str, Any]:
        facts = facts_for(context, plan_)
        if use_template or self.llm is None:
            out = self.templates.write(facts)
            return _written(
                out,
                drafter="template",
                model="template",
                prompt_version=self.templates.prompt_version,
            )
        out = self.llm.write(facts, load_reminder_prompt(), feedback=feedback)
        return _written(
            out, drafter="llm", model=self.llm.model, prompt_version=CURRENT_REMINDER_VERSION
        )

    def check(
        self, context: dict[str, Any], plan_: dict[str, Any], written: dict[str, Any]
    ) -> list[str]:
        facts = facts_for(context, plan_)
        out = DraftOut(
            subject=written["subject"],
            body=written["body"],
            tone=written["tone"],
            language=written["language"],
        )
        problems = [str(v) for v in check_draft(facts, out)]
        if out.tone != facts.tone:
            problems.append(f"tone is {out.tone.value} but the policy chose {facts.tone.value}")
        if out.language != facts.language:
            problems.append(f"language is {out.language} but the client reads {facts.language}")
        return problems


def _written(out: DraftOut, *, drafter: str, model: str, prompt_version: str) -> dict[str, Any]:
    return {
        "subject": out.subject,
        "body": out.body,
        "tone": out.tone.value,
        "language": out.language,
        "drafter": drafter,
        "model": model,
        "prompt_version": prompt_version,
    }
