"""Request and response bodies of the v1 API. Money is integer minor units next to a currency.

Inputs forbid unknown fields and bound every number, date and string to what the database can
hold, so a hostile request gets a 422 naming the field instead of reaching SQL.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    model_validator,
)

from agent.inputs import clean_line, clean_name, clean_text
from agent.models import Lifecycle, UserRole
from agent.models.api import DeliveryStatus
from agent.models.draft import DraftStatus, Tone
from agent.services.ledger.standing import State
from agent.services.webhooks.webhooks import EVENTS

MAX_ID = 2_147_483_647
MAX_MINOR = 10**15
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)

T = TypeVar("T")


def _iso_date_only(value: object) -> object:
    """Dates travel as ``YYYY-MM-DD``; pydantic would also read numbers as Unix timestamps."""
    if isinstance(value, bool | int | float):
        raise ValueError("must be a date as YYYY-MM-DD")
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


def _sane_date(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return value


# Strict: JSON true or "100" is not an integer here (pydantic would read them as 1 and 100).
Id = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
MinorAmount = Annotated[int, Field(strict=True, gt=0, le=MAX_MINOR, examples=[125000])]
Day = Annotated[date, BeforeValidator(_iso_date_only), AfterValidator(_sane_date)]
Text = Annotated[str, AfterValidator(clean_text)]
LineText = Annotated[str, AfterValidator(clean_line)]
NameText = Annotated[str, AfterValidator(clean_name)]
Currency = Annotated[
    str, Field(min_length=3, max_length=3, examples=["EUR"]), AfterValidator(clean_name)
]
EventName = Literal[
    "invoice.overdue",
    "draft.created",
    "draft.decided",
    "reminder.sent",
    "payment.recorded",
    "invoice.paid",
    "reminder.held",
    "reminder.cancelled",
    "reminder.requeued",
    "payment.reversed",
    "charges.claimed",
    "charges.paid",
    "reply.received",
]
assert set(EventName.__args__) == set(EVENTS)  # type: ignore[attr-defined]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next (null: done)."""

    items: list[T]
    next_cursor: str | None = None


# Clients ------------------------------------------------------------------------------------


class ClientIn(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Acme B.V.",
                    "contact_emails": ["ap@acme.example"],
                    "language": "nl",
                    "country": "NL",
                    "timezone": "Europe/Amsterdam",
                    "currency": "EUR",
                    "default_terms_days": 30,
                }
            ]
        },
    )

    name: Annotated[NameText, Field(min_length=1, max_length=300)]
    contact_emails: Annotated[list[EmailStr], Field(max_length=20)] = []
    language: Annotated[Text, Field(max_length=16)] = "en"
    country: Annotated[Text, Field(max_length=2)] | None = None
    timezone: Annotated[Text, Field(max_length=64)] = "UTC"
    currency: Currency = "EUR"
    default_terms_days: Annotated[int, Field(strict=True, ge=0, le=365)] = 30
    notes: Annotated[Text, Field(max_length=10_000)] | None = None


class ClientOut(BaseModel):
    id: int
    name: str
    contact_emails: list[str]
    language: str
    country: str | None
    timezone: str
    currency: str
    default_terms_days: int
    notes: str | None
    reminders_paused: bool
    reminder_consequence: str | None = None
    created_at: datetime
    jurisdiction: str | None = Field(
        default=None, description="SE, EU, UK or none; null: implied by the country."
    )
    late_charges: str = Field(default="off", description="off, mention or claim.")
    reminder_fee_agreed: bool = False


class ClientChargesPatch(_In):
    """The client's late-payment charge policy (docs/charges.md); only fields sent change."""

    jurisdiction: Literal["SE", "EU", "UK", "none"] | None = None
    late_charges: Literal["off", "mention", "claim"] | None = None
    reminder_fee_agreed: bool | None = None


class ClientPatch(ClientChargesPatch):
    """Only the fields present change; ``null`` clears ``country``, ``notes`` or the consequence."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"contact_emails": ["finance@acme.example"], "language": "nl"},
                {"reminders_paused": True, "notes": "On direct debit from March"},
            ]
        },
    )

    name: Annotated[Text, Field(min_length=1, max_length=300)] | None = None
    contact_emails: Annotated[list[EmailStr], Field(max_length=20)] | None = None
    language: Annotated[Text, Field(max_length=16)] | None = None
    country: Annotated[Text, Field(max_length=2)] | None = None
    timezone: Annotated[Text, Field(max_length=64)] | None = None
    currency: Currency | None = None
    default_terms_days: Annotated[int, Field(ge=0, le=365)] | None = None
    notes: Annotated[Text, Field(max_length=10_000)] | None = None
    reminders_paused: bool | None = None
    reminder_consequence: Annotated[Text, Field(max_length=40)] | None = None


class ClientEventOut(BaseModel):
    id: int
    kind: str
    occurred_at: datetime
    actor: str
    data: dict[str, Any]


# Users --------------------------------------------------------------------------------------


class UserIn(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "Ann Owner", "email": "ann@example.com", "role": "owner"}]
        },
    )

    name: Annotated[NameText, Field(min_length=1, max_length=200)]
    email: EmailStr
    role: UserRole = UserRole.OWNER


class UserOut(BaseModel):
    id: int
    name: str
    email: str
    role: UserRole
    is_active: bool


# Invoices -----------------------------------------------------------------------------------


class InvoiceIn(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "number": "INV-2026-0042",
                    "client_id": 1,
                    "owner_id": 1,
                    "issue_date": "2026-11-01",
                    "due_date": "2026-12-01",
                    "currency": "EUR",
                    "amount_minor": 125000,
                    "reference": "PO 7781",
                }
            ]
        },
    )

    number: Annotated[NameText, Field(min_length=1, max_length=64)]
    client_id: Id
    owner_id: Id
    issue_date: Day
    due_date: Day | None = Field(default=None, description="Defaults to issue date + terms.")
    terms_days: Annotated[int, Field(strict=True, ge=0, le=3650)] | None = None
    currency: Currency
    amount_minor: MinorAmount
    payment_method: Annotated[LineText, Field(max_length=64)] | None = None
    reference: Annotated[LineText, Field(max_length=200)] | None = None
    document_url: Annotated[LineText, Field(max_length=2000)] | None = None
    notes: Annotated[Text, Field(max_length=10_000)] | None = None
    lifecycle: Literal[Lifecycle.DRAFT, Lifecycle.SENT] = Lifecycle.SENT


class InvoicePatch(_In):
    """Descriptive fields only; ledger facts change through the invoice actions."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reference": "PO 7781-B"}]}
    )

    payment_method: Annotated[LineText, Field(max_length=64)] | None = None
    reference: Annotated[LineText, Field(max_length=200)] | None = None
    document_url: Annotated[LineText, Field(max_length=2000)] | None = None
    notes: Annotated[Text, Field(max_length=10_000)] | None = None


class InvoiceOut(BaseModel):
    id: int
    number: str
    client_id: int
    owner_id: int
    currency: str
    amount_minor: int
    paid_minor: int = Field(description="Paid on or before as_of.")
    balance_minor: int
    status: State = Field(description="Derived as of as_of: paid and overdue are never stored.")
    days_overdue: int
    as_of: date
    lifecycle: Lifecycle
    issue_date: date
    due_date: date
    original_due_date: date
    terms_days: int
    sent_date: date | None
    closed_date: date | None
    dispute_opened_date: date | None
    dispute_reason: str | None
    promised_date: date | None
    reminders_paused: bool
    reminders_paused_until: date | None = None
    payment_method: str | None
    reference: str | None
    document_url: str | None
    document_path: str | None = Field(
        default=None, description="The uploaded document, relative to the data directory."
    )
    notes: str | None
    risk_band: str | None = Field(default=None, description="Band of the latest risk score.")
    version: int
    created_at: datetime
    updated_at: datetime


class InvoiceEventOut(BaseModel):
    id: int
    invoice_id: int
    kind: str
    occurred_at: datetime
    actor: str
    actor_user_id: int | None
    data: dict[str, Any]


class SendIn(_In):
    sent_date: Day | None = Field(default=None, description="Defaults to today.")


class ExtendIn(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"new_due_date": "2026-12-31", "reason": "agreed by phone"}]
        },
    )

    new_due_date: Day
    reason: Annotated[Text, Field(min_length=1, max_length=2000)]
    agreed: bool = Field(
        default=False,
        description="Agreed with the client: late-payment interest runs from the new date.",
    )


class DisputeIn(_In):
    reason: Annotated[Text, Field(min_length=1, max_length=2000)]
    opened_date: Day | None = None


class ResolveIn(_In):
    resolution: Annotated[Text, Field(max_length=2000)] = ""
    resolved_date: Day | None = None


class PromiseIn(_In):
    promised_date: Day
    note: Annotated[Text, Field(max_length=2000)] = ""


class PauseIn(_In):
    paused: StrictBool = True
    reason: Annotated[Text, Field(max_length=2000)] = ""
    until: Day | None = Field(default=None, description="Reminders resume by themselves then.")


class NoteIn(_In):
    text: Annotated[Text, Field(min_length=1, max_length=10_000)]


class CloseIn(_In):
    reason: Annotated[Text, Field(min_length=1, max_length=2000)]
    closed_date: Day | None = None


class ReassignIn(_In):
    owner_id: Id


# Payments -----------------------------------------------------------------------------------


class PaymentIn(_In):
    """Give the amount either as ``amount_minor`` (integer) or ``amount`` (decimal string)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "invoice_id": 1,
                    "amount_minor": 50000,
                    "currency": "EUR",
                    "payment_date": "2026-11-20",
                    "reference": "bank tx 99812",
                    "external_id": "bank-99812",
                },
                {"invoice_id": 1, "amount": "500.00", "currency": "EUR"},
            ]
        },
    )

    invoice_id: Id
    amount_minor: MinorAmount | None = None
    amount: Annotated[str, Field(pattern=r"^\d{1,13}(\.\d{1,4})?$", examples=["500.00"])] | None = (
        None
    )
    currency: Currency
    payment_date: Day | None = Field(default=None, description="Defaults to today.")
    method: Annotated[LineText, Field(max_length=64)] | None = None
    reference: Annotated[LineText, Field(max_length=300)] | None = None
    external_id: Annotated[NameText, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="Recording the same external id twice records it once."
    )

    @model_validator(mode="after")
    def _one_amount(self) -> PaymentIn:
        if (self.amount_minor is None) == (self.amount is None):
            raise ValueError("give exactly one of amount_minor and amount")
        return self

    def decimal_amount(self) -> Decimal | None:
        return Decimal(self.amount) if self.amount is not None else None


class PaymentOut(BaseModel):
    id: int
    invoice_id: int
    amount_minor: int
    currency: str
    payment_date: date
    method: str | None
    reference: str | None
    external_id: str | None
    recorded_by: str
    created_at: datetime
    reversed_at: datetime | None = None
    reversed_by: str | None = None
    reversal_reason: str | None = None


class ReverseIn(_In):
    reason: Annotated[Text, Field(min_length=1, max_length=2000)]


class PaymentRecorded(BaseModel):
    payment: PaymentOut
    created: bool = Field(description="False when the external id had been recorded before.")
    balance_minor: int = Field(description="What is still owed on the invoice.")
    settled: bool


# Drafts -------------------------------------------------------------------------------------


class DraftInvoiceOut(BaseModel):
    invoice_id: int
    number: str
    milestone: str
    outstanding_minor: int
    currency: str
    due_date: date
    days_overdue: int


class EmailOut(BaseModel):
    status: str = Field(
        description="preview (not approved), pending, sending, sent, held, cancelled, "
        "unconfirmed or failed"
    )
    from_addr: str
    to_addrs: list[str]
    reply_to: str
    subject: str
    text_body: str
    attachments: list[str] = Field(description="File names attached to the e-mail.")
    hold_reason: str | None = None
    send_after: datetime | None = None
    message_id: str | None = None


class DraftOut(BaseModel):
    id: int
    client_id: int
    owner_id: int
    status: DraftStatus
    milestone: str
    tone: Tone
    tone_reason: str
    language: str
    subject: str
    body: str
    final_subject: str | None
    final_body: str | None
    suggested_send_at: datetime
    drafter: str
    model: str
    prompt_version: str
    created_at: datetime
    decided_at: datetime | None
    decided_by_user_id: int | None
    decision_note: str | None
    snoozed_until: date | None = None
    risk_band: str | None = None
    stale_reasons: list[str] = Field(
        default=[], description="Why the draft no longer matches the ledger (cannot be approved)."
    )
    invoices: list[DraftInvoiceOut] = []
    email: EmailOut | None = Field(
        default=None, description="The e-mail exactly as it leaves: a preview until approved."
    )


class ApproveIn(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{}, {"subject": "Invoice INV-42", "send_now": True}]},
    )

    subject: Annotated[Text, Field(min_length=1, max_length=500)] | None = None
    body: Annotated[Text, Field(min_length=1, max_length=20_000)] | None = None
    send_now: StrictBool = False


class RejectIn(_In):
    reason: Annotated[Text, Field(min_length=1, max_length=2000)]


class SnoozeIn(_In):
    until: Day


class CancelIn(_In):
    reason: Annotated[Text, Field(min_length=1, max_length=2000)]


class RequeueIn(_In):
    reason: Annotated[Text, Field(max_length=2000)] = ""


# Risk ---------------------------------------------------------------------------------------


class FollowUpOut(BaseModel):
    pre_due_reminder_date: date | None
    next_follow_up_date: date
    follow_up_days: list[int] = Field(
        description="Days after the due date on which the overdue reminders fall for this risk."
    )
    rule: str


class InvoiceRiskOut(BaseModel):
    invoice_id: int
    number: str
    client_id: int
    currency: str
    outstanding_minor: int
    due_date: date
    p_late: float
    band: str
    expected_payment_date: date
    interval_low_date: date
    interval_high_date: date
    reasons: list[str]
    model_version: str
    as_of: date
    follow_up: FollowUpOut


class AccountRiskOut(BaseModel):
    client_id: int
    client_name: str
    open_invoices: int
    p_late: float
    band: str
    outstanding_minor: dict[str, int]
    exposure_minor: dict[str, int]
    reasons: list[str]


class RiskModelOut(BaseModel):
    deployed: bool = Field(description="False: scores come from the built-in prior.")
    version: str
    family: str | None = None
    trained_at: datetime | None = None
    details: dict[str, Any] = {}
    stale: bool = Field(default=False, description="True when the model should be retrained.")
    stale_reasons: list[str] = Field(default=[], description="Why it is stale, in words.")
    settled_since_training: int = 0
    live_late_share: float | None = None


# Webhooks -----------------------------------------------------------------------------------


class WebhookIn(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://erp.example.com/hooks/paytrack",
                    "events": ["payment.recorded", "invoice.paid"],
                }
            ]
        },
    )

    url: Annotated[Text, Field(min_length=8, max_length=2000)]
    events: Annotated[list[EventName], Field(min_length=1, max_length=len(EVENTS))]
    secret: Annotated[Text, Field(min_length=16, max_length=200)] | None = Field(
        default=None, description="Generated when omitted; returned once, at creation."
    )


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[str]
    is_active: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Shown once: verify each delivery's signature with it.")


class DeliveryOut(BaseModel):
    id: int
    subscription_id: int
    event: str
    event_id: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    payload: dict[str, Any]


class Problem(BaseModel):
    """RFC 9457 problem details; ``errors`` lists each bad field of a refused request."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    field: str | None = None
    errors: list[dict[str, Any]] | None = None
