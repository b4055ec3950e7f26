"""Every error the service layer raises, mapped once to HTTP problems and CLI messages.

PaytrackError
├── Unauthorized
│   └── TooManySignInAttempts
├── Forbidden
├── NotFound
│   ├── ClientNotFound, InvoiceNotFound, UserNotFound, DraftNotFound
│   ├── ApiKeyNotFound, WebhookNotFound, TaskNotFound, ReplyNotFound
│   └── RiskModelUnavailable
├── Conflict
│   ├── DuplicateInvoiceNumber, InvoiceClosed, InvalidTransition
│   ├── DraftAlreadyDecided, DraftStale, LedgerNotEmpty
│   ├── IdempotencyKeyReused, ReplyAlreadyHandled
│   ├── CopyMismatch (a copied database differs from its source)
│   └── ReferenceRateMissing
├── InvalidInput
│   ├── InvalidAmount, InvalidCurrency, CurrencyMismatch, InvalidDate
│   ├── PaymentExceedsBalance
│   ├── EditRefused (carries one GuardrailViolation per problem of an edited draft)
│   ├── ImportRejected (carries one RowProblem per bad cell)
│   ├── InvalidRate, InvalidDocument
│   ├── InsufficientHistory
│   └── ReplyRejected
│       └── ReplyTooLarge (413)
└── DraftWriterFailed (502): the LLM gave no usable draft
    └── MalformedDraft
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class PaytrackError(Exception):
    """Base of every expected failure; ``field`` names the offending input when there is one."""

    status: int = 400
    title: str = "Request failed"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(PaytrackError):
    status = 404
    title = "Not found"


class ClientNotFound(NotFound):
    title = "Client not found"


class InvoiceNotFound(NotFound):
    title = "Invoice not found"


class UserNotFound(NotFound):
    title = "User not found"


class Unauthorized(PaytrackError):
    status = 401
    title = "Authentication required"


class Forbidden(PaytrackError):
    """The caller is known but may not do this (another owner's draft, a missing scope)."""

    status = 403
    title = "Forbidden"


class Conflict(PaytrackError):
    status = 409
    title = "Conflict"


class DuplicateInvoiceNumber(Conflict):
    title = "Invoice number already exists"


class InvoiceClosed(Conflict):
    title = "Invoice is closed"


class InvalidInput(PaytrackError):
    status = 422
    title = "Invalid input"


class InvalidAmount(InvalidInput):
    title = "Invalid amount"


class InvalidCurrency(InvalidInput):
    title = "Invalid currency"


class CurrencyMismatch(InvalidInput):
    title = "Currency does not match the invoice"


class InvalidDate(InvalidInput):
    title = "Invalid date"


class PaymentExceedsBalance(InvalidInput):
    title = "Payment exceeds the outstanding balance"


class InvalidTransition(Conflict):
    title = "Not allowed in the invoice's current state"


@dataclass(frozen=True)
class RowProblem:
    """One reason a row of an imported file was refused."""

    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.reason}"


class ImportRejected(InvalidInput):
    """An import refused as a whole; nothing from the file was stored."""

    title = "Import refused"

    def __init__(self, problems: list[RowProblem]) -> None:
        noun = "row problem" if len(problems) == 1 else "row problems"
        super().__init__(f"import refused: {len(problems)} {noun}; nothing was imported")
        self.problems = problems


class RiskModelUnavailable(NotFound):
    title = "No risk model"


class InsufficientHistory(InvalidInput):
    """Too few settled invoices (or only one outcome) to train a risk model."""

    title = "Not enough payment history"


class DraftWriterFailed(PaytrackError):
    """The LLM could not produce a usable draft (timeout, rate limit, malformed output)."""

    status = 502
    title = "Draft writer failed"


class DraftNotFound(NotFound):
    title = "Draft not found"


class DraftAlreadyDecided(Conflict):
    title = "Draft already decided"


class DraftStale(Conflict):
    """The ledger moved on (paid, disputed, paused, changed) since the draft was written."""

    title = "Draft no longer matches the ledger"


class LedgerNotEmpty(Conflict):
    """A bulk loader (the demo generator) refused a database that already holds data."""

    title = "The database already holds data"


class MalformedDraft(DraftWriterFailed):
    """The LLM answered, but not with a draft in the agreed JSON shape."""

    title = "Malformed draft"


class ApiKeyNotFound(NotFound):
    title = "API key not found"


class WebhookNotFound(NotFound):
    title = "Webhook subscription not found"


class IdempotencyKeyReused(Conflict):
    """The same ``Idempotency-Key`` came back with a different request."""

    title = "Idempotency key reused with a different request"


class TooManySignInAttempts(Unauthorized):
    """Sign-in refused for a while after repeated failures for this e-mail or address."""

    status = 429
    title = "Too many sign-in attempts"


class CopyMismatch(Conflict):
    """``db copy`` found the target holding other counts or money than the source."""

    title = "The copy does not match its source"


class EditRefused(InvalidInput):
    """An edited subject or body states what the draft's facts do not; nothing was stored."""

    title = "Edit refused"

    def __init__(self, violations: list[Any]) -> None:
        listed = "; ".join(str(v) for v in violations)
        super().__init__(f"the edited text was refused: {listed}", field="body")
        self.violations = violations


class TaskNotFound(NotFound):
    title = "Task not found"


class ReferenceRateMissing(Conflict):
    """Charges need a reference rate for a half-year the rates table does not hold yet."""

    title = "Reference rate missing"


class InvalidRate(InvalidInput):
    title = "Invalid reference rate"


class InvalidDocument(InvalidInput):
    """An uploaded invoice document of a refused type or size."""

    title = "Invalid invoice document"


class ReplyNotFound(NotFound):
    title = "Reply not found"


class ReplyAlreadyHandled(Conflict):
    title = "Reply already handled"


class ReplyRejected(InvalidInput):
    """An inbound message paytrack cannot read (empty, no sender, not a message)."""

    title = "Message refused"


class ReplyTooLarge(ReplyRejected):
    status = 413
    title = "Message too large"
