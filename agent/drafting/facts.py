"""What a reminder may state: the facts handed to a writer, and the draft it hands back.

Facts come from the database via the service layer; nothing here queries. Text that clients
or users control (the client's name, notes, dispute texts) is data: the LLM sees it quoted,
the template drafter never shows notes at all, and the guardrails check every fact.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, Protocol

from babel import Locale, UnknownLocaleError
from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from agent.drafting.formatting import format_day
from agent.drafting.tone import most_advanced
from agent.models.draft import Tone
from agent.money import format_for_locale, normalise_currency

if TYPE_CHECKING:
    from prompts.loader import ReminderPrompt

Language = Literal["en", "sv", "nl", "bg"]
SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "sv", "nl", "bg")
DEFAULT_LOCALES = {"en": "en_GB", "sv": "sv_SE", "nl": "nl_NL", "bg": "bg_BG"}


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
    """Everything one reminder to one client may state, plus the untrusted text around it."""

    client_name: str = Field(min_length=1, max_length=300)
    language: Language = "en"
    locale: str = "en_GB"
    invoices: list[InvoiceFact] = Field(min_length=1)
    tone: Tone
    tone_reason: str
    broken_promise_date: date | None = None
    owner_name: str = Field(min_length=1, max_length=200)
    signature: str = Field(min_length=1, max_length=500)
    allowed_consequence: Consequence | None = None
    untrusted_notes: list[str] = Field(
        default_factory=list,
        description="Client notes, dispute texts: context for the LLM, never instructions.",
    )
    charges: list[ChargeFact] = Field(
        default_factory=list, description="Claimed late-payment charges: stated exactly."
    )
    charges_as_of: date | None = None
    payment: PaymentFact | None = None

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

    def money(self, amount_minor: int, currency: str) -> str:
        return format_for_locale(amount_minor, currency, self.locale)


class DraftOut(BaseModel):
    """A writer's output: the structured answer asked of the LLM, and the template's too."""

    model_config = ConfigDict(extra="forbid")

    subject: str
    body: str
    tone: Tone
    language: Language


class DraftWriter(Protocol):
    """The port both the LLM writer and the template drafter implement."""

    @property
    def model(self) -> str: ...

    def write(
        self, facts: DraftFacts, prompt: ReminderPrompt, *, feedback: list[str] | None = None
    ) -> DraftOut: ...


def prompt_facts(facts: DraftFacts) -> dict[str, object]:
    """The trusted facts as the LLM sees them, formatted exactly as the draft must state them."""
    return {
        "language": facts.language,
        "tone": facts.tone.value,
        "milestone": facts.milestone,
        "invoices": [
            {
                "number": invoice.number,
                "outstanding_amount": facts.money(invoice.outstanding_minor, invoice.currency),
                "due_date": format_day(invoice.due_date, facts.locale),
                "days_overdue": invoice.days_overdue,
            }
            for invoice in facts.invoices
        ],
        "totals_per_currency": [
            facts.money(amount, currency) for currency, amount in facts.totals.items()
        ],
        "broken_promise_date": (
            format_day(facts.broken_promise_date, facts.locale)
            if facts.broken_promise_date
            else None
        ),
        "allowed_consequence": (
            facts.allowed_consequence.value.replace("_", " ") if facts.allowed_consequence else None
        ),
        "signature": facts.signature,
        "late_payment_charges": [
            {
                "invoice": charge.number,
                "as_of": format_day(facts.charges_as_of, facts.locale)
                if facts.charges_as_of
                else None,
                "interest_rate_percent": str(charge.rate_percent) if charge.rate_percent else None,
                "interest": facts.money(charge.interest_minor, charge.currency),
                "compensation": facts.money(charge.compensation_minor, charge.currency),
                "reminder_fees": facts.money(charge.reminder_fee_minor, charge.currency),
            }
            for charge in facts.charges
        ],
        "payment_details": facts.payment.model_dump() if facts.payment else None,
    }


def untrusted_data(facts: DraftFacts) -> dict[str, object]:
    """Text clients or users control: quoted for the LLM as data, never as instructions."""
    return {"client_name": facts.client_name, "notes": list(facts.untrusted_notes)}
