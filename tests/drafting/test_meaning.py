"""The meaning check: the offline classifiers and the LLM checker behind the same port."""

from __future__ import annotations

import json

from agent.drafting.meaning.check import OfflineMeaningCheck
from agent.drafting.meaning.dataset import held_out_sets, training_examples
from agent.drafting.meaning.evaluate import evaluate, evaluate_held_out
from agent.drafting.meaning.lexicon import concepts_in
from agent.drafting.meaning.verdict import MeaningVerdict
from agent.drafting.prose_check import check_prose
from agent.drafting.templates import TemplateDrafter
from agent.drafting.writer import draft_with_fallback
from agent.llm import OpenAIDraftWriter, OpenAIMeaningCheck, _Chat
from agent.models.draft import Tone
from tests.drafting.conftest import good_prose, make_facts, make_invoice
from tests.llm_server import ScriptedLLMServer, system_message, user_messages

NO = dict.fromkeys(MeaningVerdict.model_fields, False)


def _codes(violations: list) -> set[str]:
    return {violation.code for violation in violations}


def _llm_check(server: ScriptedLLMServer) -> OpenAIMeaningCheck:
    chat = _Chat(
        api_key="k",
        model="checker",
        base_url=server.base_url,
        timeout_seconds=2.0,
        max_retries=0,
        temperature=0.0,
        max_tokens=200,
        response_format="json_schema",
    )
    return OpenAIMeaningCheck(chat)


def test_english_prose_for_a_swedish_client_is_not_in_the_requested_language() -> None:
    swedish = make_facts(language="sv", tone=Tone.FORMAL)
    english = TemplateDrafter().write(make_facts(language="en", tone=Tone.FORMAL))
    violations = check_prose(swedish, english, checks=[OfflineMeaningCheck()])
    assert "meaning_not_in_requested_language" in _codes(violations)
    assert (
        check_prose(swedish, TemplateDrafter().write(swedish), checks=[OfflineMeaningCheck()]) == []
    )


def test_not_yet_due_is_refused_only_when_an_invoice_is_overdue() -> None:
    verdict = MeaningVerdict(**{**NO, "claims_not_yet_due": True})
    overdue = make_facts()
    assert _codes(verdict.violations(overdue, source="x")) == {"meaning_claims_not_yet_due"}
    pre_due = make_facts(invoices=[make_invoice(days_overdue=-3, milestone="pre_due")])
    assert verdict.violations(pre_due, source="x") == []


def test_the_llm_checker_gets_the_prose_as_quoted_data_and_a_strict_yes_no_schema() -> None:
    facts = make_facts(tone=Tone.FORMAL)
    prose = TemplateDrafter().write(facts)
    with ScriptedLLMServer() as server:
        server.reply({**NO, "claims_change": True})
        violations = check_prose(facts, prose, checks=[_llm_check(server)])
        (request,) = server.requests
    assert _codes(violations) == {"meaning_claims_change"}
    assert "llm:checker" in violations[0].detail
    assert system_message(request).startswith("You check the wording")
    assert prose.opening not in system_message(request)
    assert json.dumps(prose.opening) in user_messages(request)[0].split("PROSE", 1)[1]
    schema = request["response_format"]["json_schema"]
    assert schema["strict"] is True
    assert set(schema["schema"]["required"]) == set(MeaningVerdict.model_fields)


def test_prose_the_llm_checker_cannot_judge_goes_to_the_templates() -> None:
    facts = make_facts(tone=Tone.FORMAL)
    with ScriptedLLMServer() as server:
        writer = OpenAIDraftWriter(
            api_key="k", base_url=server.base_url, model="writer", max_retries=0
        )

        def answer(request: dict) -> str:
            if system_message(request).startswith("You check the wording"):
                return "not json"
            return json.dumps(good_prose(facts))

        server.responder = answer
        result = draft_with_fallback(facts, writer=writer, checks=[_llm_check(server)])
    assert result.drafter == "template" and result.ok
    assert "meaning_unchecked" in (result.fallback_reason or "")


def test_held_out_figures_of_the_offline_classifiers() -> None:
    result = evaluate()
    print(result)
    assert result.held_out >= 130
    assert result.precision >= 0.9 and result.recall >= 0.75
    assert result.false_positive_rate <= 0.1
    assert result.language_accuracy >= 0.95


def test_sets_written_apart_from_the_training_data_are_caught_and_never_trained_on() -> None:
    training = {example.text for example in training_examples()}
    sets = held_out_sets()
    assert set(sets) == {"set_a", "set_b", "set_c"}
    for rows in sets.values():
        assert {row.language for row in rows} == {"en", "sv", "nl", "bg"}
        assert not training & {row.text for row in rows}
    for name, result in evaluate_held_out().items():
        print(name, result)
        assert result.recall >= 0.75 and result.false_positive_rate <= 0.15, name
        assert result.language_accuracy >= 0.95, name


def test_concepts_are_found_in_every_language_as_whole_words_where_asked() -> None:
    assert concepts_in("Vi skickar ärendet till kronofogden.") == ["legal"]
    assert "legal" in concepts_in("Ще изпратим съдебен изпълнител.")
    assert concepts_in("Остава само част от сумата.") == ["reduce", "total"]  # not "час"
    assert "urgency" in concepts_in("Имате един час.")
