"""The meaning check: what the prose claims, decided by an LLM or by the offline classifiers.

The rules in ``prose_check`` stop the words; this stops the meaning of reworded prose. It reads
sentence by sentence, so one hostile sentence between ordinary ones is still found.
"""

from __future__ import annotations

import re
from typing import Protocol

from agent.drafting.facts import DraftFacts
from agent.drafting.meaning.classifier import language_classifier, sentence_classifier
from agent.drafting.meaning.dataset import OK
from agent.drafting.meaning.verdict import MeaningVerdict
from agent.models.draft import Tone

_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Shorter sentences ("Kind regards,") are too short for the language classifier to judge.
MIN_WORDS_FOR_LANGUAGE = 4
_FIELDS = {
    "change": "claims_change",
    "threat": "threatens",
    "pressure": "pressures_beyond_tone",
    "redirect": "redirects_payment",
    "not_yet_due": "claims_not_yet_due",
    "total": "states_total",
}


class MeaningCheck(Protocol):
    """Decides what prose claims; ``name`` is recorded with every reason it gives."""

    @property
    def name(self) -> str: ...

    def verdict(self, facts: DraftFacts, prose: dict[str, str]) -> MeaningVerdict: ...


def sentences(prose: dict[str, str]) -> list[str]:
    return [
        part.strip()
        for text in prose.values()
        for part in _SENTENCE_END.split(text)
        if part.strip()
    ]


class OfflineMeaningCheck:
    """The meaning check with the shipped scikit-learn classifiers (en, sv, nl, bg)."""

    name = "offline classifier"

    def verdict(self, facts: DraftFacts, prose: dict[str, str]) -> MeaningVerdict:
        found = {field: False for field in MeaningVerdict.model_fields}
        parts = sentences(prose)
        for reading in sentence_classifier().read(parts) if parts else []:
            if reading.label != OK:
                found[_FIELDS[reading.label]] = True
        if facts.tone is Tone.FIRM:
            found["pressures_beyond_tone"] = False
        found["not_in_requested_language"] = not in_language(parts, facts.language)
        return MeaningVerdict(**found)


def in_language(parts: list[str], language: str) -> bool:
    """Every sentence in the script of ``language`` and every longer one classified as it."""
    for part in parts:
        cyrillic, latin = len(_CYRILLIC.findall(part)), len(_LATIN.findall(part))
        if (language == "bg" and latin > cyrillic) or (language != "bg" and cyrillic > latin):
            return False
    longer = [part for part in parts if len(part.split()) >= MIN_WORDS_FOR_LANGUAGE]
    return (
        all(found == language for found in language_classifier().detect(longer)) if longer else True
    )
