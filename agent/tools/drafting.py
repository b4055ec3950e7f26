"""Planning and writing a reminder: tone policy, send time, the writer port and guardrails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from agent.drafting.facts import (
    ChargeFact,
    Consequence,
    DraftFacts,
    DraftOut,
    DraftWriter,
    InvoiceFact,
    PaymentFact,
    draft_language,
    locale_for,
)
from agent.drafting.guardrails import check_draft
from agent.drafting.meaning.check import MeaningCheck, OfflineMeaningCheck
from agent.drafting.prose_check import check_assembled
from agent.drafting.templates import TemplateDrafter
from agent.drafting.tone import choose_tone, most_advanced
from agent.drafting.writer import draft_with_fallback
from agent.models.draft import Tone
from agent.services.ledger import payment_references
from agent.services.review.send_window import suggested_send_at
from agent.settings import Settings


def plan(context: dict[str, Any], risk: dict[str, Any]) -> dict[str, Any]:
    """Milestone, tone and why, language and the suggested send time for this reminder."""
    milestone = most_advanced([row["milestone"] for row in context["invoices"]])
    tone, reason = choose_tone(
        milestone,
        prompt_payer=bool(risk.get("prompt_payer")),
        high_risk=risk.get("tone_band") == "high",
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


def payment_fact(context: dict[str, Any], settings: Settings | None) -> PaymentFact | None:
    """The payee's accounts from settings and the reference each listed invoice is paid with."""
    if settings is None or not (
        settings.payee_iban or settings.payee_bankgiro or settings.payee_plusgiro
    ):
        return None
    giro = bool(settings.payee_bankgiro or settings.payee_plusgiro)
    references: dict[str, str] = {}
    for row in context["invoices"]:
        kind = settings.payment_reference
        if kind == "auto":
            kind = "ocr" if row["currency"] == "SEK" and giro else "rf"
        if kind in ("ocr", "rf"):
            reference = payment_references.for_invoice(row["invoice_id"], row["number"])[kind]
            references[row["number"]] = (
                payment_references.grouped(reference) if kind == "rf" else reference
            )
    return PaymentFact(
        payee=settings.payee_name or None,
        iban=settings.payee_iban or None,
        bic=settings.payee_bic or None,
        bankgiro=settings.payee_bankgiro or None,
        plusgiro=settings.payee_plusgiro or None,
        references=references,
    )


def facts_for(
    context: dict[str, Any], plan_: dict[str, Any], *, payment: PaymentFact | None = None
) -> DraftFacts:
    """The facts a reminder may state, built only from the ledger context and the plan."""
    client, owner = context["client"], context["owner"]
    language = plan_["language"]
    consequence = client.get("reminder_consequence")
    policy = client.get("late_charges", "off")
    if policy in ("mention", "claim"):
        consequence = Consequence.LATE_PAYMENT_INTEREST.value
    tone = Tone(plan_["tone"])
    promise = context.get("broken_promise_date")
    claimed = [
        ChargeFact(number=row["number"], currency=row["currency"], **row["charges"])
        for row in context["invoices"]
        if policy == "claim" and tone is Tone.FIRM and row.get("charges")
    ]
    claimed = [charge for charge in claimed if charge.amounts]
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
        tone=tone,
        tone_reason=plan_["tone_reason"],
        broken_promise_date=date.fromisoformat(promise) if promise else None,
        owner_name=owner["name"],
        signature=f"{owner['name']}\n{owner['email']}",
        allowed_consequence=Consequence(consequence) if consequence else None,
        contact_name=client.get("contact_name"),
        charges=claimed,
        charges_as_of=date.fromisoformat(context["as_of"]) if claimed else None,
        payment=payment,
    )


@dataclass(frozen=True)
class DraftingKit:
    """The writers the graph may use (an LLM writer when configured, and the templates) and
    the meaning checks LLM prose must pass (the offline classifier, plus the LLM when set)."""

    llm: DraftWriter | None
    templates: TemplateDrafter
    checks: tuple[MeaningCheck, ...] = (OfflineMeaningCheck(),)
    settings: Settings | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> DraftingKit:
        if not settings.openai_api_key:
            return cls(llm=None, templates=TemplateDrafter(), settings=settings)
        # The SDK loads only when a key is configured.
        from agent.llm import build_draft_writer, build_meaning_check

        llm_check = build_meaning_check(settings=settings)
        return cls(
            llm=build_draft_writer(settings=settings),
            templates=TemplateDrafter(),
            checks=(OfflineMeaningCheck(), *([llm_check] if llm_check else [])),
            settings=settings,
        )

    def facts(self, context: dict[str, Any], plan_: dict[str, Any]) -> DraftFacts:
        return facts_for(context, plan_, payment=payment_fact(context, self.settings))

    def write(self, context: dict[str, Any], plan_: dict[str, Any]) -> dict[str, Any]:
        """LLM first (checked, one retry with feedback), then the template; with provenance."""
        result = draft_with_fallback(
            self.facts(context, plan_),
            writer=self.llm,
            template_drafter=self.templates,
            checks=self.checks,
        )
        return {
            "subject": result.subject,
            "body": result.body,
            "tone": result.tone.value,
            "language": result.language,
            "drafter": result.drafter,
            "model": result.model,
            "prompt_version": result.prompt_version,
            "fallback_reason": result.fallback_reason if self.llm is not None else None,
            "attempts": [attempt.model_dump() for attempt in result.attempts],
        }

    def check(
        self, context: dict[str, Any], plan_: dict[str, Any], written: dict[str, Any]
    ) -> list[str]:
        """The rules once more on what will be queued (the facts block byte for byte, the
        prose, every number), plus tone and language policy. The meaning check ran when the
        prose was written."""
        facts = self.facts(context, plan_)
        out = DraftOut(
            subject=written["subject"],
            body=written["body"],
            tone=written["tone"],
            language=written["language"],
        )
        violations = check_assembled(facts, subject=out.subject, body=out.body)
        # An independent scan of the whole e-mail: every number must be one of the facts.
        violations += check_draft(facts, out)
        problems = [str(v) for v in dict.fromkeys(violations)]
        if out.tone != facts.tone:
            problems.append(f"tone is {out.tone.value} but the policy chose {facts.tone.value}")
        if out.language != facts.language:
            problems.append(f"language is {out.language} but the client reads {facts.language}")
        return problems
