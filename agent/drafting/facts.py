"""What a reminder may state: the facts handed to a writer, and the draft it hands back.

Facts come from the database via the service layer; nothing here queries. Text that clients
or users control (the client's name, notes, dispute texts) is data: the LLM sees it quoted,
the template drafter never shows notes at all, and the guardrails check every fact.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, Protocol

from babel import Locale, UnknownLocaleError
from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from agent.drafting.tone import most_advanced
from agent.models.draft import Tone
from agent.money import format_for_locale, normalise_currency
from agent.names import display_name

if TYPE_CHECKING:
    from prompts.loader import ReminderPrompt

Language = Literal["en", "sv", "nl", "bg"]
SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "sv", "nl", "bg")
DEFAULT_LOCALES = {"en": "en_GB", "sv": "sv_SE", "nl": "nl_NL", "bg": "bg_BG"}
MAX_CONTACT_CHARS = 60
_PERSON_NAME = re.compile(r"[^\W\d_]+(?:[ .'’-]{1,2}[^\W\d_]+)*\.?")
MAX_GREETING_CHARS = 100
MAX_PROSE_FIELD_CHARS = 600


class Consequence(StrEnum):
    """A consequence a client's policy allows a firm reminder to announce (at most one)."""

    LATE_PAYMENT_INTEREST = "late_payment_interest"
    REFERRAL_TO_COLLECTION = "referral_to_collection"
    LEGAL_ACTION = "legal_action"


def draft_language(language: str | None) -> str:
    """The client's language when we write it, English otherwise."""
    code = (language or "").strip().lower().replace("-", "_").split("_")[0]
    return code if code in SUPPORTED_LANGUAGES else "en"


def locale_for(language: str, country: str | None = None) -> str:
    """A babel locale for amounts and dates: ``nl`` + ``BE`` gives ``nl_BE``, else a default."""
    language = draft_language(language)
    if country:
        candidate = f"{language}_{country.strip().upper()}"
        try:
            Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            pass
        else:
            return candidate
    return DEFAULT_LOCALES[language]


def addressee(name: str) -> str | None:
    """The client's name as a greeting may use it: one line, and only if it holds a letter
    (a "name" of digits alone would read as an amount, so the greeting stays generic)."""
    line = " ".join(unicodedata.normalize("NFKC", name).split())
    return line if any(char.isalpha() for char in line) else None


class InvoiceFact(BaseModel):
    """One invoice a reminder lists; ``days_overdue`` is negative before the due date."""

    model_config = ConfigDict(frozen=True)

    number: str = Field(min_length=1, max_length=64)
    outstanding_minor: int = Field(gt=0)
    currency: str
    due_date: date
    days_overdue: int
    milestone: str

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return normalise_currency(value)


class ChargeFact(BaseModel):
    """Late-payment charges claimed on one invoice, computed by code (docs/charges.md)."""

    model_config = ConfigDict(frozen=True)

    number: str = Field(min_length=1, max_length=64)
    currency: str
    rate_percent: Decimal | None = None
    interest_minor: int = Field(ge=0)
    compensation_minor: int = Field(ge=0)
    reminder_fee_minor: int = Field(ge=0)

    @property
    def amounts(self) -> list[int]:
        """The non-zero figures a claiming reminder must state."""
        figures = (self.interest_minor, self.compensation_minor, self.reminder_fee_minor)
        return [amount for amount in figures if amount]


class PaymentFact(BaseModel):
    """Where and how to pay, from settings, and the reference to quote per invoice number."""

    model_config = ConfigDict(frozen=True)

    payee: str | None = None
    iban: str | None = None
    bic: str | None = None
    bankgiro: str | None = None
    plusgiro: str | None = None
    references: dict[str, str] = Field(default_factory=dict)

    @property
    def accounts(self) -> list[str]:
        return [a for a in (self.iban, self.bic, self.bankgiro, self.plusgiro) if a]


class DraftFacts(BaseModel):
    """Everything one reminder to one client may state.

    Free text that clients or users wrote (notes, dispute texts) is not here: what a writer
    needs from it arrives as typed facts (a broken promise date, the contact person's name).
    The names are cleaned (one visible line, length-limited) before any use.
    """

    client_name: str = Field(min_length=1, max_length=300)
    contact_name: str | None = Field(default=None, max_length=MAX_CONTACT_CHARS)
    language: Language = "en"
    locale: str = "en_GB"
    invoices: list[InvoiceFact] = Field(min_length=1)
    tone: Tone
    tone_reason: str
    broken_promise_date: date | None = None
    owner_name: str = Field(min_length=1, max_length=200)
    signature: str = Field(min_length=1, max_length=500)
    allowed_consequence: Consequence | None = None
    charges: list[ChargeFact] = Field(
        default_factory=list, description="Claimed late-payment charges: stated exactly."
    )
    charges_as_of: date | None = None
    payment: PaymentFact | None = None

    @field_validator("client_name", mode="before")
    @classmethod
    def _client_name(cls, value: str) -> str:
        return display_name(value, max_chars=300) or "?"

    @field_validator("contact_name", mode="before")
    @classmethod
    def _contact_name(cls, value: str | None) -> str | None:
        """A person's name or nothing: anything else (digits, markup) means a neutral greeting."""
        name = display_name(value, max_chars=MAX_CONTACT_CHARS) if value else ""
        return name if _PERSON_NAME.fullmatch(name) else None

    @field_validator("invoices")
    @classmethod
    def _distinct_numbers(cls, value: list[InvoiceFact]) -> list[InvoiceFact]:
        numbers = [invoice.number for invoice in value]
        if len(set(numbers)) != len(numbers):
            raise ValueError("an invoice is listed twice")
        return value

    @computed_field  # type: ignore[prop-decorator]
    @property
    def totals(self) -> dict[str, int]:
        """Outstanding total per currency, in minor units."""
        totals: dict[str, int] = {}
        for invoice in self.invoices:
            totals[invoice.currency] = totals.get(invoice.currency, 0) + invoice.outstanding_minor
        return totals

    @property
    def milestone(self) -> str:
        """The most advanced milestone among the listed invoices; it sets the tone."""
        return most_advanced([invoice.milestone for invoice in self.invoices])

    @property
    def overdue(self) -> bool:
        return any(invoice.days_overdue > 0 for invoice in self.invoices)

    @property
    def overdue_invoices(self) -> list[InvoiceFact]:
        return [invoice for invoice in self.invoices if invoice.days_overdue > 0]

    @property
    def coming_due_invoices(self) -> list[InvoiceFact]:
        """Invoices not yet overdue: listed apart, never demanded without further delay."""
        return [invoice for invoice in self.invoices if invoice.days_overdue <= 0]

    def money(self, amount_minor: int, currency: str) -> str:
        return format_for_locale(amount_minor, currency, self.locale)


class FactsKey:
    """``facts`` compared by value (its JSON), so that what is a pure function of a draft's
    facts (the rendered block, the rules' verdict) is worked out once per draft, not once per
    step that asks for it."""

    __slots__ = ("_json", "facts")

    def __init__(self, facts: DraftFacts) -> None:
        self.facts = facts
        self._json = facts.model_dump_json()

    def __hash__(self) -> int:
        return hash(self._json)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FactsKey) and other._json == self._json


class DraftOut(BaseModel):
    """A finished draft: the subject and body the code assembled, as queued for review."""

    model_config = ConfigDict(extra="forbid")

    subject: str
    body: str
    tone: Tone
    language: Language


class DraftProse(BaseModel):
    """The only text a writer writes: four short prose fields around the code's facts block.

    This is the strict structured output asked of the LLM (and what the templates render). It
    holds no fact: no amount, number, date, link or address; the code adds those.
    """

    model_config = ConfigDict(extra="forbid")

    greeting: str = Field(min_length=1, max_length=MAX_GREETING_CHARS)
    opening: str = Field(min_length=1, max_length=MAX_PROSE_FIELD_CHARS)
    situation: str = Field(min_length=1, max_length=MAX_PROSE_FIELD_CHARS)
    closing: str = Field(min_length=1, max_length=MAX_PROSE_FIELD_CHARS)

    def fields(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in PROSE_FIELDS}


PROSE_FIELDS: tuple[str, ...] = ("greeting", "opening", "situation", "closing")


class DraftWriter(Protocol):
    """The port both the LLM writer and the template drafter implement."""

    @property
    def model(self) -> str: ...

    def write(
        self, facts: DraftFacts, prompt: ReminderPrompt, *, feedback: list[str] | None = None
    ) -> DraftProse: ...


def writer_facts(facts: DraftFacts) -> dict[str, object]:
    """What the LLM needs to write the prose: the situation, never an amount, number or date."""
    return {
        "language": facts.language,
        "tone": facts.tone.value,
        "invoice_count": len(facts.invoices),
        "overdue_invoice_count": len(facts.overdue_invoices),
        "coming_due_invoice_count": len(facts.coming_due_invoices),
        "most_days_overdue": max(invoice.days_overdue for invoice in facts.invoices),
        "payment_was_promised_and_missed": facts.broken_promise_date is not None,
    }


def untrusted_data(facts: DraftFacts) -> dict[str, object]:
    """The one client-controlled text the writer sees, quoted as data: the contact's name."""
    return {"contact_person_name": facts.contact_name}
