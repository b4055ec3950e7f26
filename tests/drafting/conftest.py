"""Builders and fixtures for the drafting tests: facts, a scripted LLM server, a real writer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any, cast

import pytest

from agent.drafting.compose import assemble
from agent.drafting.facts import (
    Consequence,
    DraftFacts,
    DraftOut,
    InvoiceFact,
    Language,
    locale_for,
)
from agent.drafting.templates import TemplateDrafter
from agent.drafting.tone import choose_tone, most_advanced
from agent.llm import OpenAIDraftWriter
from agent.models.draft import Tone
from tests.llm_server import ScriptedLLMServer

CURRENCY = {"en": "GBP", "sv": "SEK", "nl": "EUR", "bg": "BGN"}


def make_invoice(
    *,
    number: str = "INV-2024-0042",
    outstanding_minor: int = 123_450,
    currency: str = "EUR",
    due_date: date = date(2024, 3, 5),
    days_overdue: int = 14,
    milestone: str = "overdue_14",
) -> InvoiceFact:
    return InvoiceFact(
        number=number,
        outstanding_minor=outstanding_minor,
        currency=currency,
        due_date=due_date,
        days_overdue=days_overdue,
        milestone=milestone,
    )


def make_facts(
    *,
    invoices: list[InvoiceFact] | None = None,
    language: str = "en",
    tone: Tone | None = None,
    client_name: str = "Acme Trading Ltd",
    contact_name: str | None = None,
    broken_promise_date: date | None = None,
    allowed_consequence: Consequence | None = None,
    signature: str = "Ann Smith\nAccounts receivable, Example BV",
) -> DraftFacts:
    invoices = invoices or [make_invoice()]
    milestone = most_advanced([invoice.milestone for invoice in invoices])
    default_tone, reason = choose_tone(
        milestone, prompt_payer=False, high_risk=False, chronically_late=False
    )
    return DraftFacts(
        client_name=client_name,
        language=cast(Language, language),
        locale=locale_for(language),
        invoices=invoices,
        tone=tone or default_tone,
        tone_reason=reason,
        broken_promise_date=broken_promise_date,
        owner_name="Ann Smith",
        signature=signature,
        allowed_consequence=allowed_consequence,
        contact_name=contact_name,
    )


def template_draft(facts: DraftFacts) -> DraftOut:
    """The templates' draft for ``facts``, assembled around the facts block."""
    return assemble(facts, TemplateDrafter().write(facts))


def good_prose(facts: DraftFacts) -> dict[str, Any]:
    """What a well-behaved LLM answers: the template's prose fields, as JSON."""
    return TemplateDrafter().write(facts).model_dump(mode="json")


@pytest.fixture
def llm_server() -> Iterator[ScriptedLLMServer]:
    with ScriptedLLMServer() as server:
        yield server


@pytest.fixture
def llm_writer(llm_server: ScriptedLLMServer) -> OpenAIDraftWriter:
    return OpenAIDraftWriter(
        api_key="test-key",
        base_url=llm_server.base_url,
        model="scripted-model",
        timeout_seconds=0.5,
        max_retries=1,
    )
