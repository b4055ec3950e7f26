"""Guardrails: a draft may state the facts it was given, and nothing that contradicts them.

``check_draft`` reads subject and body the way a client would: it removes the facts it can
account for (the client's name, the signature, the invoice numbers, the allowed dates in the
formats a locale uses), then every digit left must be an allowed amount (locale-aware:
``€ 1.234,50``, ``1 234,50 kr``, ``1,234.50``, ``лв.``), a days-overdue count or a list
marker. It also looks for consequence and threat phrases, claims that would change a fact
(cancelled, waived, discounted) and length limits, in English, Swedish, Dutch and Bulgarian.
It is deliberately strict: a false alarm costs a template draft, a miss costs a wrong mail.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date, format_skeleton
from babel.numbers import get_currency_symbol, list_currencies

from agent.drafting.facts import Consequence, DraftFacts, DraftOut, addressee
from agent.models.draft import Tone
from agent.money import to_decimal

MAX_SUBJECT_CHARS = 120
MIN_BODY_CHARS = 40
BODY_BASE_CHARS = 1800
BODY_CHARS_PER_INVOICE = 150


@dataclass(frozen=True)
class GuardrailViolation:
    """One reason a draft may not be queued; ``detail`` is written for the model and a reviewer."""

    code: str
    detail: str

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


MISSING_INVOICE_NUMBER = "missing_invoice_number"
UNKNOWN_INVOICE_NUMBER = "unknown_invoice_number"
MISSING_AMOUNT = "missing_amount"
WRONG_AMOUNT = "wrong_amount"
MISSING_TOTAL = "missing_total"
MISSING_DUE_DATE = "missing_due_date"
MISSING_PROMISE_DATE = "missing_promise_date"
MISSING_CHARGE = "missing_charge"
MISSING_PAYMENT_DETAILS = "missing_payment_details"
UNKNOWN_DATE = "unknown_date"
UNEXPECTED_NUMBER = "unexpected_number"
MISMATCHED_LINE = "mismatched_invoice_line"
UNEXPECTED_LINK = "unexpected_link"
CONSEQUENCE_NOT_ALLOWED = "consequence_not_allowed"
CONTRADICTS_FACTS = "contradicts_facts"
PLACEHOLDER = "placeholder"
TOO_LONG = "too_long"
TOO_SHORT = "too_short"
WRONG_TONE = "wrong_tone"
WRONG_LANGUAGE = "wrong_language"

# Consequence and threat phrases, matched on case-folded text. Stems catch inflections.
_CONSEQUENCES: dict[str, tuple[str, ...]] = {
    Consequence.LATE_PAYMENT_INTEREST.value: (
        r"\binterest\b",
        r"\blate(?:-| )(?:payment )?(?:fee|charge|penalt)",
        r"\bpenalt",
        r"\b(?:late|admin|administration|reminder|collection) (?:fee|cost|charge)s?\b",
        r"\bränt",
        r"dröjsmålsränt",
        r"avgift",
        r"\brente\b",
        r"vertragingsrente",
        r"\bboete",
        r"(?:administratie|herinnerings|incasso)kosten",
        r"лихв",
        r"неустойк",
        r"наказателн",
        r"такс",
    ),
    Consequence.REFERRAL_TO_COLLECTION.value: (
        r"\bcollection",
        r"\bdebt collect",
        r"\bcollector",
        r"inkasso",
        r"incasso",
        r"събиране на вземания",
        r"агенция за събиране",
        r"колектор",
        r"събирач",
    ),
    Consequence.LEGAL_ACTION.value: (
        r"\blegal\b",
        r"\bcourts?\b",
        r"\blawsuit",
        r"\bsue\b",
        r"\bsued\b",
        r"\bsolicitor",
        r"\battorney",
        r"\blawyer",
        r"\bproceedings\b",
        r"\bbailiff",
        r"\blitigat",
        r"\bjudge?ment",
        r"rättslig",
        r"domstol",
        r"stämning",
        r"advokat",
        r"kronofogd",
        r"betalningsföreläggande",
        r"\bjurist",
        r"juridisch",
        r"\brechter",
        r"rechtbank",
        r"advocaat",
        r"gerechtelijk",
        r"dagvaard",
        r"deurwaarder",
        r"съдебн",
        r"\bсъда?\b",
        r"адвокат",
        r"правни действия",
        r"\bиск\b",
        r"съдия-изпълнител",
        r"юрист",
    ),
    "suspension_of_service": (
        r"\bsuspen[ds]",
        r"\bstop (?:all )?(?:deliver|supply|suppli|service|work)",
        r"\bterminat",
        r"\bcredit hold",
        r"\bblock",
        r"\bcut off",
        r"stopp(?:a|ar) leverans",
        r"spärr",
        r"stäng(?:a|er|s) av",
        r"opschort",
        r"leveringsstop",
        r"stopzet",
        r"blokk",
        r"afsluit",
        r"спиране на доставк",
        r"прекрат",
        r"блокир",
        r"спрем доставк",
    ),
    "credit_reporting": (
        r"credit (?:rating|bureau|reference|report|record)",
        r"\bblacklist",
        r"kreditupplysning",
        r"betalningsanmärkning",
        r"\bbkr\b",
        r"kredietwaardigheid",
        r"zwarte lijst",
        r"кредитен регистър",
        r"черен списък",
        r"кредитна история",
    ),
}

# Claims that would change a fact: the invoice is gone, reduced, not due, already settled.
_CONTRADICTIONS: tuple[str, ...] = (
    r"\bcancel",
    r"\bvoid(?:ed)?\b",
    r"\bwaiv",
    r"\bwritten off\b",
    r"\bwrite(?:-| )off",
    r"\bcredit(?:ed)? note",
    r"\bcredited\b",
    r"\bdiscount",
    r"\brefund",
    r"\bforgiv",
    r"\bno longer (?:due|owed|payable|outstanding|required|need)",
    r"\b(?:no|not|don't|do not|doesn't|does not|needn't) (?:need|have) to (?:be )?pa(?:y|id)",
    r"\bno (?:payment|need to pay)",
    r"\bnothing (?:is )?(?:due|owed|to pay)",
    r"\bfree of charge",
    r"\bpaid in full\b",
    r"\bfully paid\b",
    r"\bhas been (?:paid|settled)",
    r"\b(?:ignore|disregard) (?:this|the|that) invoice",
    r"makuler",
    r"annuller",
    r"\bkrediter",
    r"kreditfaktura",
    r"kreditnota",
    r"rabatt",
    r"avskriv",
    r"efterskänk",
    r"behöver (?:inte|ej) betala",
    r"inte längre",
    r"återbetal",
    r"\bgratis\b",
    r"ingenting att betala",
    r"är redan betald",
    r"har redan betalats",
    r"annul",
    r"geannuleerd",
    r"kwijtschel",
    r"kwijtgescholden",
    r"creditnota",
    r"creditfactuur",
    r"\bkorting",
    r"hoeft (?:u )?(?:niet|geen)",
    r"\bniet (?:meer )?(?:te )?betalen\b",
    r"afgeschreven",
    r"ongeldig",
    r"vervallen verklaard",
    r"terugbetal",
    r"niet langer",
    r"\bis al betaald",
    r"анулир",
    r"отменен",
    r"отмен",
    r"отмяна",
    r"опрост",
    r"кредитно известие",
    r"отстъпк",
    r"не (?:е )?(?:нужно|необходимо|трябва) да (?:я |ги )?плащ",
    r"няма нужда да плащ",
    r"безплатн",
    r"възстанов",
    r"отписан",
    r"вече е платен",
)
_PLACEHOLDER = re.compile(
    r"\{\{|\}\}|\{%|%\}|\[[^\]\n]{0,40}\]|<[a-z _-]{1,40}>|\b(?:lorem ipsum|tbd|todo)\b|xxx",
    re.IGNORECASE,
)
_LINK = re.compile(
    r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b[\w-]+\.(?:com|net|org|io|ly|me|biz|info|co)\b",
    re.IGNORECASE,
)
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"[^\S\n]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+|[ '’]\d{3}(?!\d))*")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_GLUE = re.compile(r"[\w/#-]")

_INVOICE_MARK = "\ue001"
_DATE_MARK = "\ue002"
_NAME_MARK = "\ue003"
_LINK_MARK = "\ue004"
_MARK_BASE = 0xE100

_ISO_CODES = frozenset(list_currencies())
_SYMBOLS: dict[str, frozenset[str]] = {
    "€": frozenset({"EUR"}),
    "euro": frozenset({"EUR"}),
    "euros": frozenset({"EUR"}),
    "евро": frozenset({"EUR"}),
    "$": frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"}),
    "us$": frozenset({"USD"}),
    "щ.д.": frozenset({"USD"}),
    "dollar": frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD"}),
    "dollars": frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD"}),
    "£": frozenset({"GBP"}),
    "pound": frozenset({"GBP"}),
    "pounds": frozenset({"GBP"}),
    "¥": frozenset({"JPY", "CNY"}),
    "yen": frozenset({"JPY"}),
    "kr": frozenset({"SEK", "NOK", "DKK", "ISK"}),
    "kr.": frozenset({"SEK", "NOK", "DKK", "ISK"}),
    "kronor": frozenset({"SEK"}),
    "kroner": frozenset({"NOK", "DKK"}),
    "лв": frozenset({"BGN"}),
    "лв.": frozenset({"BGN"}),
    "лева": frozenset({"BGN"}),
    "лев": frozenset({"BGN"}),
}


def normalise_text(text: str) -> str:
    """NFKC, no invisible or direction characters, one kind of space: what a reader sees."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    return _SPACES.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class _Amount:
    currency: str
    value: Decimal
    invoice: int | None  # index into facts.invoices; None for a per-currency total
    charge: bool = False  # a claimed late-payment charge of that invoice


@dataclass
class _Found:
    invoices: set[int] = field(default_factory=set)
    amounts: set[int] = field(default_factory=set)
    totals: set[str] = field(default_factory=set)
    dates: set[date] = field(default_factory=set)
    charges: set[tuple[int | None, Decimal]] = field(default_factory=set)


def check_draft(facts: DraftFacts, draft: DraftOut) -> list[GuardrailViolation]:
    """Every reason ``draft`` may not be sent for ``facts``; an empty list means it passes."""
    violations = _check_shape(facts, draft)
    checker = _FactChecker(facts)
    subject = checker.scrub(normalise_text(draft.subject))
    body = checker.scrub(normalise_text(draft.body))
    found = _Found()
    violations += checker.scan(subject, _Found())
    violations += checker.scan(body, found)
    violations += checker.missing(found)
    violations += _check_wording(facts, f"{subject}\n{body}")
    violations += _check_payment(facts, normalise_text(draft.body))
    return _unique(violations)


def _unique(violations: list[GuardrailViolation]) -> list[GuardrailViolation]:
    return list(dict.fromkeys(violations))


def body_limit(facts: DraftFacts) -> int:
    extra = len(facts.client_name) + len(facts.signature)
    # Room for the code-rendered charge lines and payment details.
    extra += 200 * len(facts.charges)
    if facts.payment:
        extra += 300 + sum(len(ref) + 80 for ref in facts.payment.references.values())
    return BODY_BASE_CHARS + BODY_CHARS_PER_INVOICE * len(facts.invoices) + extra


def _check_shape(facts: DraftFacts, draft: DraftOut) -> list[GuardrailViolation]:
    violations = []
    if draft.tone != facts.tone:
        violations.append(
            GuardrailViolation(WRONG_TONE, f"tone is {draft.tone}, expected {facts.tone.value}")
        )
    if draft.language != facts.language:
        violations.append(
            GuardrailViolation(
                WRONG_LANGUAGE, f"language is {draft.language}, expected {facts.language}"
            )
        )
    elif facts.language == "bg" and not _CYRILLIC.search(draft.body):
        violations.append(GuardrailViolation(WRONG_LANGUAGE, "Bulgarian body has no Cyrillic"))
    subject = draft.subject.strip()
    if not subject or "\n" in subject or len(subject) > MAX_SUBJECT_CHARS:
        violations.append(
            GuardrailViolation(
                TOO_LONG if subject else TOO_SHORT,
                f"subject must be one line of 1 to {MAX_SUBJECT_CHARS} characters",
            )
        )
    if len(draft.body.strip()) < MIN_BODY_CHARS:
        violations.append(GuardrailViolation(TOO_SHORT, "body is too short"))
    elif len(draft.body) > body_limit(facts):
        violations.append(
            GuardrailViolation(TOO_LONG, f"body is longer than {body_limit(facts)} characters")
        )
    return violations


def _check_wording(facts: DraftFacts, scrubbed: str) -> list[GuardrailViolation]:
    allowed = (
        facts.allowed_consequence.value
        if facts.allowed_consequence and facts.tone is Tone.FIRM and facts.overdue
        else None
    )
    return _wording(scrubbed, allowed=allowed)


def wording_violations(text: str) -> list[GuardrailViolation]:
    """Threat, consequence, contradiction and placeholder wording in prose, where none may be
    (an allowed consequence is the facts block's to state, never the prose's)."""
    return _wording(normalise_text(text), allowed=None)


def _wording(scrubbed: str, *, allowed: str | None) -> list[GuardrailViolation]:
    text = scrubbed.casefold()
    violations = []
    for consequence, patterns in _CONSEQUENCES.items():
        hit = _first_match(patterns, text)
        if hit and consequence != allowed:
            violations.append(
                GuardrailViolation(
                    CONSEQUENCE_NOT_ALLOWED,
                    f"mentions {consequence.replace('_', ' ')} ({hit!r}), which this reminder "
                    "may not",
                )
            )
    hit = _first_match(_CONTRADICTIONS, text)
    if hit:
        violations.append(
            GuardrailViolation(
                CONTRADICTS_FACTS, f"{hit!r} suggests the amount is not due as stated"
            )
        )
    placeholder = _PLACEHOLDER.search(scrubbed)
    if placeholder:
        violations.append(
            GuardrailViolation(PLACEHOLDER, f"unfilled placeholder {placeholder.group(0)!r}")
        )
    return violations


def _first_match(patterns: tuple[str, ...], text: str) -> str | None:
    """What the first of ``patterns`` to match finds; one search of them all rules out most
    texts (a clean draft), the patterns one by one only name the hit."""
    if not _any_of(patterns).search(text):
        return None
    for pattern in patterns:
        match = _compiled(pattern).search(text)
        if match:
            return match.group(0)
    return None


@lru_cache(maxsize=64)
def _any_of(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


@lru_cache(maxsize=16_384)
def _compiled(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Patterns built from a draft's facts recur across a sweep; ``re``'s own cache (512) is
    too small for them, and compiling them again was a good part of a draft's checking time."""
    return re.compile(pattern, flags)


def _mark(kind: str, index: int) -> str:
    return kind + chr(_MARK_BASE + index)


def _date_pattern(written: str) -> re.Pattern[str]:
    """Finds ``written`` (one way of writing a date) as a whole date in a draft."""
    return _compiled(r"(?<![\w])" + re.escape(written) + r"(?!\d)", re.IGNORECASE)


@lru_cache(maxsize=1024)
def _date_strings(day: date, locale: str, language: str) -> frozenset[str]:
    """The ways a reminder may write ``day``: the locale's formats, with and without year."""
    locales = {locale, language} | ({"en_GB", "en_US"} if language == "en" else set())
    written = {day.isoformat()}
    for name in locales:
        for style in ("full", "long", "medium", "short"):
            written.add(format_date(day, style, locale=name))
        for skeleton in ("yMMMMd", "yMMMd", "MMMMd", "MMMd", "yMd"):
            written.add(format_skeleton(skeleton, day, locale=name))
    variants = {normalise_text(text) for text in written}
    # Bulgarian dates end in "г."; writers drop it or its dot.
    for text in list(variants):
        if text.endswith(" г."):
            variants |= {text[:-3], text[:-1]}
    return frozenset(text for text in variants if text)


class _FactChecker:
    """Scrubs the facts it can account for, then audits every number left."""

    def __init__(self, facts: DraftFacts) -> None:
        self.facts = facts
        self.dates: list[date] = sorted(
            {invoice.due_date for invoice in facts.invoices}
            | ({facts.broken_promise_date} if facts.broken_promise_date else set())
            | ({facts.charges_as_of} if facts.charges and facts.charges_as_of else set())
        )
        self.amounts = [
            _Amount(invoice.currency, to_decimal(invoice.outstanding_minor, invoice.currency), i)
            for i, invoice in enumerate(facts.invoices)
        ] + [
            _Amount(currency, to_decimal(total, currency), None)
            for currency, total in facts.totals.items()
        ]
        numbers = {invoice.number: i for i, invoice in enumerate(facts.invoices)}
        self.charges = [
            _Amount(c.currency, to_decimal(amount, c.currency), numbers.get(c.number), True)
            for c in facts.charges
            for amount in c.amounts
        ]
        self.amounts += self.charges
        self.rates = {c.rate_percent for c in facts.charges if c.rate_percent is not None}
        # Days overdue (or until due) and the number of invoices are the only other numbers.
        self.small_numbers = {abs(invoice.days_overdue) for invoice in facts.invoices} | {
            len(facts.invoices)
        }
        self.symbols = self._symbols()
        written = [
            (string, j)
            for j, day in enumerate(self.dates)
            for string in _date_strings(day, facts.locale, facts.language)
        ]
        self.written_dates = sorted(written, key=lambda item: len(item[0]), reverse=True)
        self.marker_pattern = "|".join(
            re.escape(symbol) for symbol in sorted(self.symbols, key=len, reverse=True)
        )

    def _symbols(self) -> dict[str, frozenset[str]]:
        symbols = {key.casefold(): value for key, value in _SYMBOLS.items()}
        locales = {self.facts.locale, self.facts.language, "en"}
        for currency in self.facts.totals:
            for locale in locales:
                symbol = normalise_text(get_currency_symbol(currency, locale=locale)).casefold()
                symbols[symbol] = symbols.get(symbol, frozenset()) | {currency}
        return symbols

    # Scrubbing: replace what is accounted for by private-use marks that hold no digits.

    def scrub(self, text: str) -> str:
        text = self._scrub_signature(text)
        for written in _payment_strings(self.facts):
            pattern = r"(?<![\w])" + re.escape(written) + r"(?![\w])"
            text = _compiled(pattern, re.IGNORECASE).sub(_NAME_MARK, text)
        names = {
            self.facts.client_name,
            addressee(self.facts.client_name) or "",
            self.facts.owner_name,
            (self.facts.payment.payee if self.facts.payment else None) or "",
        }
        for name in sorted((normalise_text(name).strip() for name in names), key=len, reverse=True):
            text = _replace_phrase(text, name, _NAME_MARK)
        text = _LINK.sub(lambda match: _LINK_MARK + match.group(0).replace(".", "·"), text)
        # Of the twenty-odd ways of writing each date, a draft holds one or two: a plain search
        # rules out the rest before any pattern is compiled or run. Where it could miss what the
        # case-blind pattern finds (a few exotic case pairs), the date stays unscrubbed and its
        # digits fail the audit below: the check fails closed.
        lowered = text.lower()
        for string, j in self.written_dates:
            if string.lower() in lowered:
                text = _date_pattern(string).sub(_mark(_DATE_MARK, j), text)
                lowered = text.lower()
        numbers = sorted(
            enumerate(self.facts.invoices), key=lambda item: len(item[1].number), reverse=True
        )
        for i, invoice in numbers:
            number = re.escape(normalise_text(invoice.number).strip())
            pattern = r"(?<![\w/#-])" + number + r"(?![\w/#-]|[.,]\d)"
            text = _compiled(pattern, re.IGNORECASE).sub(_mark(_INVOICE_MARK, i), text)
        return text

    def _scrub_signature(self, text: str) -> str:
        lines = {normalise_text(line).strip() for line in self.facts.signature.splitlines()}
        return "\n".join(
            _NAME_MARK if line.strip() and line.strip() in lines else line
            for line in text.split("\n")
        )

    # Scanning.

    def scan(self, text: str, found: _Found) -> list[GuardrailViolation]:
        violations = []
        if _LINK_MARK in text:
            links = re.findall(_LINK_MARK + r"(\S+)", text)
            violations.append(
                GuardrailViolation(
                    UNEXPECTED_LINK, f"link or address {links[0].replace('·', '.')!r} is not ours"
                )
            )
        for line in text.split("\n"):
            violations += self._scan_line(line, found)
        return violations

    def _scan_line(self, line: str, found: _Found) -> list[GuardrailViolation]:
        invoices = {_index(mark) for mark in re.findall(_INVOICE_MARK + ".", line)}
        dates = {self.dates[_index(mark)] for mark in re.findall(_DATE_MARK + ".", line)}
        found.invoices |= invoices
        found.dates |= dates
        # A line that names exactly one invoice may only state that invoice's facts.
        only = next(iter(invoices)) if len(invoices) == 1 else None
        violations = []
        if only is not None:
            invoice = self.facts.invoices[only]
            allowed = {invoice.due_date, self.facts.broken_promise_date}
            for day in dates - allowed:
                violations.append(
                    GuardrailViolation(
                        MISMATCHED_LINE,
                        f"the line about invoice {invoice.number} gives the date {day} instead "
                        f"of its due date",
                    )
                )
        for match in _NUMBER.finditer(line):
            violations += self._audit_number(line, match, only, found)
        return violations

    def _audit_number(
        self, line: str, match: re.Match[str], only: int | None, found: _Found
    ) -> list[GuardrailViolation]:
        token, start, end = match.group(0), match.start(), match.end()
        before, after = self._marker_before(line, start), self._marker_after(line, end)
        glued_before = start > 0 and _GLUE.match(line[start - 1]) and before[1] == 0
        glued_after = end < len(line) and _GLUE.match(line[end]) and after[1] == 0
        if glued_before or glued_after:
            return [
                GuardrailViolation(
                    UNKNOWN_INVOICE_NUMBER,
                    f"{_word_around(line, start, end)!r} looks like a reference that is not one "
                    "of the listed invoices",
                )
            ]
        currencies = before[0] or after[0]
        readings = _readings(token)
        candidates = [
            amount
            for amount in self.amounts
            if amount.value in readings and (currencies is None or amount.currency in currencies)
        ]
        if only is not None:
            candidates = [
                amount
                for amount in candidates
                if amount.invoice == only
                or (amount.invoice is None and amount.value == self.amounts[only].value)
            ]
        amount_like = currencies is not None or not token.isdigit()
        if not amount_like:
            if int(token) in self.small_numbers or _is_list_marker(line, start, end, self.facts):
                return []
            if candidates:
                self._record(candidates, found)
                return []
            return [
                GuardrailViolation(
                    UNEXPECTED_NUMBER, f"the number {token!r} is not one of the facts"
                )
            ]
        if candidates:
            self._record(candidates, found)
            return []
        if readings & self.rates and line[end:].lstrip().startswith("%"):
            return []
        shown = line[start - before[1] : end + after[1]].strip()
        if not readings:
            return [GuardrailViolation(UNKNOWN_DATE, f"{shown!r} is not one of the listed dates")]
        elsewhere = any(
            amount.value in readings and (currencies is None or amount.currency in currencies)
            for amount in self.amounts
        )
        code = MISMATCHED_LINE if only is not None and elsewhere else WRONG_AMOUNT
        return [GuardrailViolation(code, f"the amount {shown!r} is not the outstanding amount")]

    def _record(self, candidates: list[_Amount], found: _Found) -> None:
        for amount in candidates:
            if amount.charge:
                found.charges.add((amount.invoice, amount.value))
            elif amount.invoice is None:
                found.totals.add(amount.currency)
            else:
                found.amounts.add(amount.invoice)
                total = self.facts.totals[amount.currency]
                if self.amounts[amount.invoice].value == to_decimal(total, amount.currency):
                    found.totals.add(amount.currency)

    def _marker_before(self, line: str, start: int) -> tuple[frozenset[str] | None, int]:
        head = line[max(0, start - 16) : start]
        gap = 1 if head.endswith(" ") else 0
        head = head[: len(head) - gap]
        iso = re.search(r"(?:^|[^\w])([A-Z]{3})$", head)
        if iso and iso.group(1) in _ISO_CODES:
            return frozenset({iso.group(1)}), gap + 3
        symbol = _compiled(r"(?:^|(?<=[^\w]))(" + self.marker_pattern + r")$").search(
            head.casefold()
        )
        if symbol:
            return self.symbols[symbol.group(1)], gap + len(symbol.group(1))
        return None, 0

    def _marker_after(self, line: str, end: int) -> tuple[frozenset[str] | None, int]:
        tail = line[end : end + 16]
        gap = 1 if tail.startswith(" ") else 0
        tail = tail[gap:]
        iso = re.match(r"([A-Z]{3})(?!\w)", tail)
        if iso and iso.group(1) in _ISO_CODES:
            return frozenset({iso.group(1)}), gap + 3
        symbol = _compiled(r"(" + self.marker_pattern + r")(?!\w)").match(tail.casefold())
        if symbol:
            return self.symbols[symbol.group(1)], gap + len(symbol.group(1))
        return None, 0

    def missing(self, found: _Found) -> list[GuardrailViolation]:
        violations = []
        for i, invoice in enumerate(self.facts.invoices):
            if i not in found.invoices:
                violations.append(
                    GuardrailViolation(
                        MISSING_INVOICE_NUMBER, f"invoice number {invoice.number} is not stated"
                    )
                )
            if i not in found.amounts:
                violations.append(
                    GuardrailViolation(
                        MISSING_AMOUNT,
                        f"the outstanding amount of {invoice.number}, "
                        f"{self.facts.money(invoice.outstanding_minor, invoice.currency)}, "
                        "is not stated",
                    )
                )
            if invoice.due_date not in found.dates:
                violations.append(
                    GuardrailViolation(
                        MISSING_DUE_DATE, f"the due date of {invoice.number} is not stated"
                    )
                )
        if len(self.facts.invoices) > 1:
            for currency, total in self.facts.totals.items():
                if currency not in found.totals:
                    violations.append(
                        GuardrailViolation(
                            MISSING_TOTAL,
                            f"the total {self.facts.money(total, currency)} is not stated",
                        )
                    )
        for charge in self.charges:
            if (charge.invoice, charge.value) not in found.charges:
                violations.append(
                    GuardrailViolation(
                        MISSING_CHARGE,
                        f"the claimed charge of {charge.value} {charge.currency} is not stated",
                    )
                )
        promise = self.facts.broken_promise_date
        if promise and promise not in found.dates:
            violations.append(
                GuardrailViolation(MISSING_PROMISE_DATE, "the broken promise date is not stated")
            )
        return violations


def _payment_strings(facts: DraftFacts) -> list[str]:
    """Accounts and references as given, compact and in groups of four, longest first."""
    if facts.payment is None:
        return []
    written: set[str] = set()
    for value in [*facts.payment.accounts, *facts.payment.references.values()]:
        compact = re.sub(r"[\s-]", "", value)
        grouped = " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
        written |= {normalise_text(value).strip(), compact, grouped}
    return sorted((w for w in written if w), key=len, reverse=True)


def _check_payment(facts: DraftFacts, text: str) -> list[GuardrailViolation]:
    """Every account and reference of the payment facts must be stated (as given or compact)."""
    if facts.payment is None:
        return []
    plain = re.sub(r"[\s-]", "", text).casefold()
    return [
        GuardrailViolation(MISSING_PAYMENT_DETAILS, f"{value!r} is not stated")
        for value in [*facts.payment.accounts, *facts.payment.references.values()]
        if re.sub(r"[\s-]", "", value).casefold() not in plain
    ]


def _index(mark: str) -> int:
    return ord(mark[1]) - _MARK_BASE


def _replace_phrase(text: str, phrase: str, mark: str) -> str:
    """Replace ``phrase`` as a whole (not inside a longer word), if it holds a letter."""
    if len(phrase) < 2 or not any(char.isalpha() for char in phrase):
        return text
    head = r"(?<!\w)" if phrase[0].isalnum() else ""
    tail = r"(?!\w)" if phrase[-1].isalnum() else ""
    return _compiled(head + re.escape(phrase) + tail, re.IGNORECASE).sub(mark, text)


def _word_around(line: str, start: int, end: int) -> str:
    while start > 0 and _GLUE.match(line[start - 1]):
        start -= 1
    while end < len(line) and (_GLUE.match(line[end]) or line[end] in ".,"):
        end += 1
    return line[start:end].rstrip(".,")


def _is_list_marker(line: str, start: int, end: int, facts: DraftFacts) -> bool:
    return (
        not line[:start].strip()
        and line[end : end + 1] in {".", ")"}
        and 1 <= int(line[start:end]) <= len(facts.invoices)
    )


def _readings(token: str) -> set[Decimal]:
    """The values a written number can mean: ``1.234,50`` and ``1,234.50`` are both 1234.50."""
    parts = re.split(r"([.,' ’])", token)
    groups, separators = parts[0::2], parts[1::2]
    if not separators:
        return {Decimal(token)}
    readings = set()
    if _grouped(groups, separators):
        readings.add(Decimal("".join(groups)))
    last = separators[-1]
    if last in ".," and len(groups[-1]) <= 3:
        head, head_separators = groups[:-1], separators[:-1]
        if not head_separators or (last not in head_separators and _grouped(head, head_separators)):
            readings.add(Decimal("".join(head) + "." + groups[-1]))
    return readings


def _grouped(groups: list[str], separators: list[str]) -> bool:
    return (
        len(set(separators)) == 1
        and 1 <= len(groups[0]) <= 3
        and all(len(group) == 3 for group in groups[1:])
    )
