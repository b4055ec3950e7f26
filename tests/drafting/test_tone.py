from __future__ import annotations

import pytest

from agent.drafting.tone import choose_tone, milestone_days, most_advanced
from agent.models.draft import Tone


@pytest.mark.parametrize(
    ("milestone", "tone"),
    [
        ("pre_due", Tone.FRIENDLY),
        ("overdue_3", Tone.FRIENDLY),
        ("overdue_7", Tone.FORMAL),
        ("overdue_14", Tone.FIRM),
    ],
)
def test_milestone_sets_the_default_tone(milestone: str, tone: Tone) -> None:
    chosen, reason = choose_tone(
        milestone, prompt_payer=False, high_risk=False, chronically_late=False
    )
    assert chosen is tone
    assert reason == f"{milestone} milestone sets {tone.value}"


def test_prompt_payer_is_one_step_softer() -> None:
    tone, reason = choose_tone(
        "overdue_14", prompt_payer=True, high_risk=False, chronically_late=False
    )
    assert tone is Tone.FORMAL
    assert "prompt payment" in reason and "formal" in reason


def test_high_risk_or_chronically_late_is_one_step_firmer_never_two() -> None:
    assert choose_tone("overdue_3", prompt_payer=False, high_risk=True, chronically_late=False)[
        0
    ] is (Tone.FORMAL)
    tone, reason = choose_tone(
        "overdue_3", prompt_payer=False, high_risk=True, chronically_late=True
    )
    assert tone is Tone.FORMAL
    assert "high risk, chronically late: one step firmer" in reason


def test_tone_stays_within_friendly_and_firm() -> None:
    assert choose_tone("pre_due", prompt_payer=True, high_risk=False, chronically_late=False)[
        0
    ] is (Tone.FRIENDLY)
    tone, reason = choose_tone(
        "overdue_14", prompt_payer=False, high_risk=False, chronically_late=True
    )
    assert tone is Tone.FIRM
    assert reason.endswith("tone stays firm")


def test_opposite_signals_cancel_and_broken_promise_moves_firmer() -> None:
    tone, _ = choose_tone("overdue_7", prompt_payer=True, high_risk=True, chronically_late=False)
    assert tone is Tone.FORMAL
    tone, reason = choose_tone(
        "overdue_7",
        prompt_payer=False,
        high_risk=False,
        chronically_late=False,
        broken_promise=True,
    )
    assert tone is Tone.FIRM
    assert "broken promise" in reason


def test_most_advanced_milestone_and_unknown_names() -> None:
    assert most_advanced(["pre_due", "overdue_14", "overdue_3"]) == "overdue_14"
    assert milestone_days("escalation") > milestone_days("overdue_30")
    with pytest.raises(ValueError, match="unknown milestone"):
        milestone_days("overdue")
