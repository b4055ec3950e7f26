"""The offline reader: the intent by a classifier, the facts by rules, abstaining when unsure.

It reads replies when no LLM key is set and when the LLM fails. The classifier
(``intent_model``) decides the intent with the rules' phrases as strong signals; the rules'
extractors read the facts the client wrote (dates normalised against the message date, amounts,
references, the sentence that disputes). A wrong action costs more than a person acknowledging,
so an action is proposed only when the model is sure enough; otherwise the reply reads as a
``question`` (when it asks something) or ``other``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from agent.models.reply import Intent
from agent.services.replies.extract import Direction, find_amounts, find_dates, find_reference
from agent.services.replies.folding import written_part
from agent.services.replies.intent_model import IntentModel, intent_model
from agent.services.replies.reading import Reading
from agent.services.replies.rules import asks, dispute_match, sentence_around

READER = "offline:v2"
# The least probability at which an intent is proposed; below it the reader abstains. Chosen on
# cross-validation of the training set (``python -m agent.services.replies.reader_eval``):
# an out-of-office holds nothing, so reading a person's reply as one is the costliest mistake.
THRESHOLDS = {
    Intent.PROMISE_TO_PAY: 0.5,
    Intent.DISPUTE: 0.5,
    Intent.CLAIMS_PAID: 0.5,
    Intent.REQUEST_COPY: 0.5,
    Intent.AUTO_REPLY: 0.6,
    Intent.QUESTION: 0.0,
    Intent.OTHER: 0.0,
}
AUTOMATIC_CONFIDENCE = 0.95


class OfflineReader:
    """Reads a reply with the shipped classifier and rules; implements ``ReplyReader``."""

    name = READER

    def __init__(self, model: IntentModel | None = None) -> None:
        self._given = model

    def read(
        self, *, text: str, subject: str, written_on: date, automatic: bool = False
    ) -> Reading:
        """Intent and details of a reply (``text`` is what the client wrote, quotes removed)."""
        body = text if text.strip() else subject
        if automatic:
            return self._reading(Intent.AUTO_REPLY, AUTOMATIC_CONFIDENCE, body, written_on)
        model = self._given or intent_model()
        probabilities = model.probabilities([body])[0]
        intent = max(probabilities, key=probabilities.__getitem__)
        if probabilities[intent] < THRESHOLDS[intent] or _contradicted(intent, body, written_on):
            intent = Intent.QUESTION if asks(body) else Intent.OTHER
        return self._reading(intent, probabilities[intent], body, written_on)

    def _reading(self, intent: Intent, confidence: float, body: str, written_on: date) -> Reading:
        written = written_part(body)
        reading = Reading(intent=intent, confidence=round(confidence, 3), classified_by=self.name)
        if intent == Intent.AUTO_REPLY:
            later = [
                day
                for day in find_dates(body, written_on=written_on, direction=Direction.FUTURE)
                if day >= written_on
            ]
            return replace(reading, return_date=later[-1] if later else None)
        if intent == Intent.DISPUTE:
            return replace(reading, reason=_reason(written))
        if intent not in (Intent.PROMISE_TO_PAY, Intent.CLAIMS_PAID):
            return reading
        direction = Direction.PAST if intent == Intent.CLAIMS_PAID else Direction.FUTURE
        dates = find_dates(written, written_on=written_on, direction=direction)
        amounts = find_amounts(written)
        return replace(
            reading,
            date=dates[0] if dates else None,
            amount_minor=amounts[0].amount_minor if amounts else None,
            currency=amounts[0].currency if amounts else None,
            reference=find_reference(written) if intent == Intent.CLAIMS_PAID else None,
        )


def _contradicted(intent: Intent, body: str, written_on: date) -> bool:
    """A claim of payment whose date is after the day it was written cannot be right."""
    if intent != Intent.CLAIMS_PAID:
        return False
    dates = find_dates(written_part(body), written_on=written_on, direction=Direction.PAST)
    return bool(dates) and dates[0] > written_on


def _reason(text: str) -> str:
    """The sentence that contests the invoice, else the first one that says something."""
    match = dispute_match(text)
    if match is not None:
        return sentence_around(text, match.start())
    for line in text.splitlines():
        if len(line.split()) >= 3:
            return sentence_around(text, text.index(line))
    return text.strip()[:500]
