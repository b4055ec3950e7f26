"""The offline reader: phrase rules in English, Swedish, Dutch and Bulgarian.

It is what reads replies when no LLM key is set, and the fallback when the LLM fails. Intents
are tried in a fixed order (an out-of-office first, then the ones that should stop a chase).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from agent.models.reply import Intent
from agent.services.replies.extract import (
    Direction,
    find_amounts,
    find_dates,
    find_reference,
)
from agent.services.replies.reading import Reading

READER = "rules:v1"
# Signals ask only for the intent, which does not depend on the message date.
_ANY_DAY = date(2000, 1, 1)

_PHRASES: dict[Intent, list[str]] = {
    Intent.AUTO_REPLY: [
        r"out of (?:the )?office", r"automatic reply", r"auto(?:matic)?[- ]?reply", r"autoreply",
        r"i am (?:currently )?away", r"i'm (?:currently )?away", r"on (?:annual |parental )?leave",
        r"limited access to (?:my )?e-?mail",
        r"automatiskt svar", r"frånvarande", r"är på semester", r"jag är tillbaka",
        r"är ledig", r"åter på kontoret",
        r"automatisch antwoord", r"afwezigheidsbericht", r"niet aanwezig", r"ben (?:weer )?terug",
        r"met vakantie", r"afwezig",
        r"автоматичен отговор", r"извън офиса", r"в отпуск", r"ще се върна", r"отсъствам",
    ],
    Intent.DISPUTE: [
        r"\bdispute", r"not (?:been )?agreed", r"never agreed", r"disagree", r"do not agree",
        r"don't agree", r"incorrect", r"\bwrong\b", r"not what we ordered", r"never ordered",
        r"did not order", r"didn't order", r"never (?:received|got) the (?:goods|items|delivery)",
        r"overcharg", r"we contest", r"complaint", r"not (?:been )?delivered",
        r"reklamation", r"bestrider", r"felaktig", r"stämmer inte", r"inte (?:var )?överens",
        r"inte (?:har )?beställt", r"aldrig beställt", r"fel belopp", r"inte godkänt",
        r"inte levererat",
        r"betwist", r"niet akkoord", r"onjuist", r"klopt niet", r"niet (?:be)?steld",
        r"nooit besteld", r"klacht", r"niet geleverd", r"niet afgesproken",
        r"оспорва", r"не сме съгласни", r"не съм съгласен", r"неправилн", r"грешн",
        r"не сме поръчвали", r"рекламация", r"не е доставен", r"не сме договаряли",
    ],
    Intent.CLAIMS_PAID: [
        r"\bwe(?: have|'ve)? (?:already )?paid", r"(?:has|have) (?:already )?been paid",
        r"\bwas paid", r"already paid", r"payment (?:was|has been) (?:made|sent|executed)",
        r"(?:we )?(?:have )?transferred", r"paid (?:it )?(?:on|yesterday|last)",
        r"\bi(?: have|'ve)? paid", r"settled (?:it|the invoice)",
        r"(?:vi|jag) har (?:redan )?betalat", r"\bbetalade", r"är (?:redan )?betald",
        r"betalades", r"redan betal", r"har överfört", r"vi betalade",
        r"(?:hebben|heb) .{0,30}betaald", r"is (?:al )?betaald",
        r"al betaald", r"overgemaakt", r"betaling is (?:gedaan|verricht|uitgevoerd)",
        r"платихме", r"платих", r"платена", r"платено", r"преведохме", r"преведох",
        r"(?:беше|е) преведен",
        r"извършихме плащането", r"вече е платен",
    ],
    Intent.PROMISE_TO_PAY: [
        r"(?:\bwill|'ll) (?:be )?(?:pay|paid|transferr?(?:ed)?|settled?|process(?:ed)?)\b",
        r"going to pay", r"payment will be", r"schedul\w* (?:the )?payment",
        r"pay (?:it |the invoice )?(?:by|on|before|next)", r"expect to pay", r"plan to pay",
        r"kommer (?:att )?betala", r"betalar (?:den|på|senast|nästa|i)", r"vi betalar",
        r"kommer att betalas", r"betalas (?:den|på|senast|nästa)", r"kommer att överföra",
        r"betalning(?:en)? (?:kommer att ske|sker|görs)", r"betaling (?:volgt|zal)",
        r"ще бъде (?:извършено|преведен|платен)",
        r"zullen .{0,40}betalen", r"gaan .{0,40}betalen", r"wordt .{0,30}betaald",
        r"betalen wij", r"zal .{0,30}(?:betalen|betaald)", r"kommer (?:vi|jag) att betala",
        r"betalar (?:vi|jag)",
        r"betalen (?:we|wij|ik)", r"maken (?:we|wij|het) .{0,20}over", r"zal (?:worden )?betaald",
        r"ga (?:het )?betalen", r"betalen het (?:op|voor|uiterlijk)",
        r"ще платим", r"ще платя", r"ще бъде платен", r"ще преведем", r"ще извършим плащането",
        r"ще я платим", r"ще го платим",
    ],
    Intent.REQUEST_COPY: [
        r"(?:send|resend|forward)(?: us| me)? (?:a |another )?copy", r"copy of the invoice",
        r"resend the invoice", r"send (?:us |me )?the invoice again", r"send it again",
        r"can(?:not|'t) find the invoice", r"(?:did not|didn't|never) receive(?:d)? the invoice",
        r"duplicate invoice",
        r"kopia (?:på|av) fakturan", r"skicka (?:om )?fakturan", r"skicka en kopia",
        r"hittar inte fakturan", r"inte fått fakturan", r"fakturan igen",
        r"kopie van de factuur", r"factuur (?:nog)?(?:maals|opnieuw)", r"stuur .{0,20}factuur",
        r"kan de factuur niet vinden", r"factuur niet ontvangen", r"nogmaals (?:sturen|toesturen)",
        r"копие на фактурата", r"изпратете (?:ни )?(?:фактурата )?отново",
        r"не сме получили фактурата", r"не намираме фактурата", r"препратете фактурата",
    ],
}  # fmt: skip
# The second pass: broader stems, tried only when no phrase above matched. Ordered so that a
# future marker ("will", "ska", "ще") wins over a bare past participle ("paid", "betalt").
_STEMS: list[tuple[Intent, list[str]]] = [
    (Intent.AUTO_REPLY, [
        r"parental leave", r"maternity leave", r"on holiday", r"on vacation", r"annual leave",
        r"ledig", r"föräldraledig", r"niet bereikbaar", r"afwezig", r"отпуск", r"отсъств",
    ]),
    (Intent.REQUEST_COPY, [
        r"\bpdf\b", r"\bduplica", r"\bcopy\b", r"\bkopia\b", r"\bkopie\b", r"копие",
        r"(?:email|e-mail|mail|send|resend)\b.{0,20}\b(?:invoice|again)",
        r"(?:mejla|maila|skicka)\b.{0,15}faktur", r"(?:stuur|mail)\b.{0,15}factuur",
        r"(?:изпратите|изпратете|пратете)\b.{0,20}фактур",
    ]),
    (Intent.DISPUTE, [
        r"\b(?:not|never)\b.{0,30}\b(?:agreed|ordered|delivered|performed|done|requested)\b",
        r"\bcancell?ed\b", r"why (?:are|were) we (?:being )?(?:billed|charged|invoiced)",
        r"\b(?:inte|aldrig)\b.{0,30}(?:överens|beställ|lever|utför|godkän)",
        r"\b(?:niet|nooit)\b.{0,30}(?:afgesproken|besteld|geleverd|uitgevoerd|akkoord)",
        r"\bне\b.{0,30}(?:договор|поръч|достав|извършен|съгла)",
    ]),
    (Intent.PROMISE_TO_PAY, [
        r"\b(?:will|'ll|can|could|shall|going to|plan to|expect to|intend to)\b.{0,40}\bpay",
        r"\b(?:kommer|ska|skall|räknar med att|planerar att)\b.{0,30}betal",
        r"\bbetalen\b", r"\b(?:zullen|gaan|zal|ga)\b.{0,30}(?:betal|overmak)",
        r"\bще\b.{0,30}(?:плат|превед)",
    ]),
    (Intent.CLAIMS_PAID, [
        r"\b(?:paid|settled|remitted)\b", r"\bbetal(?:t|d|da|ade)\b", r"\böverför(?:t|de)\b",
        r"\b(?:betaald|voldaan|overgemaakt)\b", r"(?:платен|платена|платено|преведен)",
    ]),
]  # fmt: skip
_STEM_PATTERNS = [(intent, re.compile("|".join(stems), re.IGNORECASE)) for intent, stems in _STEMS]
# "Which account do we pay to?" asks; a bare stem of paying in a question is not a promise.
_ANSWERED_BY_A_QUESTION = (Intent.PROMISE_TO_PAY, Intent.CLAIMS_PAID)
_QUESTION = [
    r"\?", r"\bcould you\b", r"\bcan you\b", r"\bkan ni\b", r"\bkan du\b", r"\bkunt u\b",
    r"\bkun je\b", r"можете ли", r"бихте ли",
]  # fmt: skip
_PATTERNS = {
    intent: re.compile("|".join(phrases), re.IGNORECASE) for intent, phrases in _PHRASES.items()
}
_QUESTION_PATTERN = re.compile("|".join(_QUESTION), re.IGNORECASE)
_REASON_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")


class RuleReader:
    """Reads a reply with phrase rules; implements the ``ReplyReader`` port."""

    name = READER

    def read(
        self, *, text: str, subject: str, written_on: date, automatic: bool = False
    ) -> Reading:
        """Intent and details of a reply (``text`` is what the client wrote, quotes removed)."""
        body = f"{subject}\n{text}" if not text.strip() else text
        if automatic or _PATTERNS[Intent.AUTO_REPLY].search(f"{subject}\n{text}"):
            dates = find_dates(body, written_on=written_on, direction=Direction.FUTURE)
            later = [d for d in dates if d >= written_on]
            return Reading(
                intent=Intent.AUTO_REPLY,
                return_date=later[-1] if later else None,
                confidence=0.95 if automatic else 0.85,
                classified_by=self.name,
            )
        for intent in (
            Intent.DISPUTE,
            Intent.CLAIMS_PAID,
            Intent.PROMISE_TO_PAY,
            Intent.REQUEST_COPY,
        ):
            match = _PATTERNS[intent].search(body)
            if match is not None:
                return self._details(intent, body, match, written_on)
        asks = _QUESTION_PATTERN.search(body) is not None
        for intent, pattern in _STEM_PATTERNS:
            match = pattern.search(body)
            if match is None or (asks and intent in _ANSWERED_BY_A_QUESTION):
                continue
            if intent == Intent.AUTO_REPLY:
                return self.read(text=text, subject=subject, written_on=written_on, automatic=True)
            reading = self._details(intent, body, match, written_on)
            # A stem is weaker evidence than a phrase.
            return replace(reading, confidence=round(reading.confidence * 0.75, 2))
        if asks:
            return Reading(intent=Intent.QUESTION, confidence=0.6, classified_by=self.name)
        return Reading(intent=Intent.OTHER, confidence=0.3, classified_by=self.name)

    def _details(
        self, intent: Intent, body: str, match: re.Match[str], written_on: date
    ) -> Reading:
        direction = Direction.PAST if intent == Intent.CLAIMS_PAID else Direction.FUTURE
        dates = find_dates(body, written_on=written_on, direction=direction)
        amounts = find_amounts(body)
        amount = amounts[0] if amounts else None
        when = dates[0] if dates else None
        if intent == Intent.DISPUTE:
            return Reading(
                intent=intent,
                reason=sentence_around(body, match.start()),
                confidence=0.8,
                classified_by=self.name,
            )
        if intent == Intent.PROMISE_TO_PAY:
            return Reading(
                intent=intent,
                date=when,
                amount_minor=amount.amount_minor if amount else None,
                currency=amount.currency if amount else None,
                confidence=0.9 if when else 0.7,
                classified_by=self.name,
            )
        if intent == Intent.CLAIMS_PAID:
            return Reading(
                intent=intent,
                date=when,
                amount_minor=amount.amount_minor if amount else None,
                currency=amount.currency if amount else None,
                reference=find_reference(body),
                confidence=0.85,
                classified_by=self.name,
            )
        return Reading(intent=intent, confidence=0.8, classified_by=self.name)


def sentence_around(text: str, position: int) -> str:
    """The sentence of ``text`` that holds ``position``: the dispute's reason in its words."""
    start = 0
    for piece in _REASON_SPLIT.split(text):
        index = text.find(piece, start)
        if index <= position < index + len(piece) + 1:
            return piece.strip()[:500]
        start = index + len(piece)
    return text.strip()[:500]


def signals(text: str) -> list[str]:
    """What the rules see in ``text``, as tokens for the intent classifier to weigh.

    Every phrase and stem that matches (``phrase:dispute``, ``stem:claims_paid``), whether the
    text asks (``asks``) and the rules' own verdict (``rules:promise_to_pay``).
    """
    found = [f"phrase:{intent}" for intent, pattern in _PATTERNS.items() if pattern.search(text)]
    found += [f"stem:{intent}" for intent, pattern in _STEM_PATTERNS if pattern.search(text)]
    if _QUESTION_PATTERN.search(text):
        found.append("asks")
    verdict = RuleReader().read(text=text, subject="", written_on=_ANY_DAY).intent
    return [*found, f"rules:{verdict}"]


def dispute_match(text: str) -> re.Match[str] | None:
    """Where ``text`` contests the invoice, by a dispute phrase or else a dispute stem."""
    return _PATTERNS[Intent.DISPUTE].search(text) or dict(_STEM_PATTERNS)[Intent.DISPUTE].search(
        text
    )


def asks(text: str) -> bool:
    """Whether ``text`` asks something (a question mark or a "could you" in any language)."""
    return _QUESTION_PATTERN.search(text) is not None
