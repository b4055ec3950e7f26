"""Checks on the prose a writer or a person wrote, and on a whole assembled draft.

Prose may hold no fact: any digit, currency, percentage, link, e-mail or postal address,
account or phone detail, or markup is refused outright, whatever the wording. Then the words
(the guardrails' threat and contradiction lists) and the meaning (``meaning.check``) are
judged. A whole draft passes only if the code's facts block stands in it byte for byte.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from agent.drafting.compose import render_block, render_subject
from agent.drafting.facts import (
    MAX_GREETING_CHARS,
    DraftFacts,
    DraftProse,
    FactsKey,
    InvoiceFact,
)
from agent.drafting.formatting import format_day
from agent.drafting.guardrails import GuardrailViolation, normalise_text, wording_violations
from agent.drafting.meaning.check import MeaningCheck
from agent.errors import DraftWriterFailed, MalformedDraft

NUMBER_IN_PROSE = "number_in_prose"
AMOUNT_IN_PROSE = "amount_in_prose"
PERCENTAGE_IN_PROSE = "percentage_in_prose"
LINK_IN_PROSE = "link_in_prose"
MARKUP_IN_PROSE = "markup_in_prose"
PAYMENT_DETAILS_IN_PROSE = "payment_details_in_prose"
ADDRESS_IN_PROSE = "address_in_prose"
HIDDEN_CHARACTERS = "hidden_characters"
GREETING_SHAPE = "greeting_shape"
BLOCK_CHANGED = "facts_block_changed"
MISSING_INVOICE = "missing_invoice"
SIGNATURE_CHANGED = "signature_changed"
SUBJECT_CHANGED = "subject_states_facts"

_RULES: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (code, what, re.compile(pattern, re.IGNORECASE))
    for code, what, pattern in (
        (NUMBER_IN_PROSE, "a number", r"\d(?:[\d.,\x27\u00a0\u202f -]*\d)?"),
        (PERCENTAGE_IN_PROSE, "a percentage", r"[%‰]|\bper ?cent|\bprocent|\bпроцент"),
        (
            AMOUNT_IN_PROSE,
            "an amount or currency",
            r"[€$£¥₽]|\b(?:eur|sek|gbp|usd|bgn|euros?|pounds?|dollars?|kronor|krona|kr|"
            r"лв|лева?|евро|cents?|öre|eurocent)\b",
        ),
        (
            LINK_IN_PROSE,
            "a link or e-mail address",
            r"https?:|www\.|@|\b[\w-]+\.(?:com|net|org|io|ly|me|biz|info|co|se|nl|bg|eu|uk)\b",
        ),
        (MARKUP_IN_PROSE, "markup", r"[<>{}\[\]`|\\*#_~^]|&\w+;|&#"),
        (
            PAYMENT_DETAILS_IN_PROSE,
            "payment details",
            r"\b(?:iban|bic|swift|sort code|routing|bankgiro|plusgiro|swish|"
            r"account (?:number|no)|kontonummer|rekeningnummer|rekening ?nr|"
            r"банкова сметка|сметка №|телефон|phone|tel\.|telefon|telefoon)\b",
        ),
        (
            ADDRESS_IN_PROSE,
            "a postal address",
            r"\b(?:street|road|avenue|p\.?o\.? box|postcode|zip code|gatan|vägen|box|"
            r"straat|laan|weg|postbus|ул\.|улица|бул\.|пощенски код)\b",
        ),
    )
)
_HIDDEN = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})


def check_prose(
    facts: DraftFacts, prose: DraftProse, *, checks: Sequence[MeaningCheck] = ()
) -> list[GuardrailViolation]:
    """Every reason ``prose`` may not go into a draft for ``facts``; empty means it passes."""
    fields = _without_contact(facts, prose.fields())
    violations = []
    if "\n" in prose.greeting.strip() or len(prose.greeting) > MAX_GREETING_CHARS:
        violations.append(GuardrailViolation(GREETING_SHAPE, "the greeting must be one short line"))
    for name, text in fields.items():
        violations += rule_violations(text, where=name)
    violations += wording_violations("\n".join(fields.values()))
    violations += meaning_violations(facts, fields, checks)
    return list(dict.fromkeys(violations))


def rule_violations(text: str, *, where: str) -> list[GuardrailViolation]:
    """What no prose may hold, whatever its wording."""
    violations = []
    if any(unicodedata.category(char) in _HIDDEN for char in text if char != "\n"):
        violations.append(
            GuardrailViolation(HIDDEN_CHARACTERS, f"the {where} holds invisible characters")
        )
    visible = normalise_text(text)
    for code, what, pattern in _RULES:
        match = pattern.search(visible)
        if match:
            violations.append(
                GuardrailViolation(code, f"the {where} states {what} ({match.group(0)!r})")
            )
    return violations


def meaning_violations(
    facts: DraftFacts, fields: dict[str, str], checks: Sequence[MeaningCheck]
) -> list[GuardrailViolation]:
    """The meaning check's reasons; a check that cannot answer counts as a refusal."""
    violations = []
    for check in checks:
        try:
            verdict = check.verdict(facts, fields)
        except (DraftWriterFailed, MalformedDraft) as exc:
            violations.append(
                GuardrailViolation("meaning_unchecked", f"{check.name} gave no verdict: {exc}")
            )
            continue
        violations += verdict.violations(facts, source=check.name)
    return violations


def check_assembled(
    facts: DraftFacts,
    *,
    subject: str,
    body: str,
    checks: Sequence[MeaningCheck] = (),
) -> list[GuardrailViolation]:
    """A whole draft (as assembled, or as a person edited it): the facts block byte for byte,
    the signature, the subject, and every other line checked as prose."""
    if not checks:
        return list(_rules_verdict(FactsKey(facts), subject, body))
    return _check_assembled(facts, subject=subject, body=body, checks=checks)


@lru_cache(maxsize=256)
def _rules_verdict(key: FactsKey, subject: str, body: str) -> tuple[GuardrailViolation, ...]:
    """The rules alone are pure in their inputs: the writer's check of a template draft and
    the graph's check before queueing it give one verdict, worked out once."""
    return tuple(_check_assembled(key.facts, subject=subject, body=body, checks=()))


def _check_assembled(
    facts: DraftFacts, *, subject: str, body: str, checks: Sequence[MeaningCheck]
) -> list[GuardrailViolation]:
    block = render_block(facts)
    violations: list[GuardrailViolation] = []
    if block not in body:
        violations.append(
            GuardrailViolation(BLOCK_CHANGED, "the invoice lines and totals must stay as written")
        )
        violations += _dropped(facts, body)
    rest = body.replace(block, "\n\n", 1)
    signature = facts.signature.strip()
    if not rest.rstrip().endswith(signature):
        violations.append(
            GuardrailViolation(SIGNATURE_CHANGED, "the signature must stay as written")
        )
    else:
        rest = rest.rstrip()[: -len(signature)]
    violations += _subject(facts, subject)
    paragraphs = [part.strip() for part in rest.split("\n\n") if part.strip()]
    greeting, *others = paragraphs or [""]
    prose = DraftProse.model_construct(
        greeting=greeting,
        opening=others[0] if others else "",
        situation=" ".join(others[1:-1]),
        closing=others[-1] if len(others) > 1 else "",
    )
    return list(dict.fromkeys(violations + check_prose(facts, prose, checks=checks)))


def _subject(facts: DraftFacts, subject: str) -> list[GuardrailViolation]:
    if subject.strip() == render_subject(facts):
        return []
    if "\n" in subject.strip():
        return [GuardrailViolation(SUBJECT_CHANGED, "the subject must be one line")]
    text = subject
    for invoice in sorted(facts.invoices, key=lambda item: len(item.number), reverse=True):
        text = text.replace(invoice.number, " ")
        text = text.replace(format_day(invoice.due_date, facts.locale), " ")
    return rule_violations(text, where="subject") + wording_violations(text)


def _dropped(facts: DraftFacts, body: str) -> list[GuardrailViolation]:
    return [
        GuardrailViolation(MISSING_INVOICE, f"invoice {invoice.number} is no longer listed")
        for invoice in facts.invoices
        if _line_of(facts, invoice) not in body
    ]


def _line_of(facts: DraftFacts, invoice: InvoiceFact) -> str:
    return next(
        (line for line in render_block(facts).splitlines() if invoice.number in line),
        invoice.number,
    )


def _without_contact(facts: DraftFacts, fields: dict[str, str]) -> dict[str, str]:
    """The contact's name is the one piece of client text the greeting may hold."""
    if not facts.contact_name:
        return fields
    greeting = fields["greeting"].replace(facts.contact_name, "").replace(" ,", ",")
    return {**fields, "greeting": greeting}
