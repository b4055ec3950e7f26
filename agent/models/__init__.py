"""Every table, imported here so that Alembic and ``create_all`` see them all."""

from agent.models.client import Client, ClientCreate, ClientRead, ClientUpdate
from agent.models.invoice import Invoice, InvoiceCreate, InvoiceRead, Lifecycle
from agent.models.invoice_event import EventKind, InvoiceEvent
from agent.models.payment import Payment, PaymentRead
from agent.models.risk import RiskModelRecord, RiskScore
from agent.models.user import User, UserCreate, UserRead, UserRole

__all__ = [
    "Client",
    "ClientCreate",
    "ClientRead",
    "ClientUpdate",
    "EventKind",
    "Invoice",
    "InvoiceCreate",
    "InvoiceEvent",
    "InvoiceRead",
    "Lifecycle",
    "Payment",
    "PaymentRead",
    "RiskModelRecord",
    "RiskScore",
    "User",
    "UserCreate",
    "UserRead",
    "UserRole",
]
from agent.models.api import (
    ApiKey,
    IdempotencyRecord,
    WebhookDelivery,
    WebhookSubscription,
)

__all__ += ["ApiKey", "IdempotencyRecord", "WebhookDelivery", "WebhookSubscription"]

from agent.models.draft import Draft, DraftInvoice, MilestoneClaim  # noqa: E402
from agent.models.notification import FollowUpTask, Notification  # noqa: E402
from agent.models.outbox import OutboxMessage, OutboxStatus  # noqa: E402
from agent.models.web_session import SignInAttempt, UserSession  # noqa: E402

__all__ += ["Draft", "DraftInvoice", "FollowUpTask", "MilestoneClaim", "Notification"]
__all__ += ["OutboxMessage", "OutboxStatus", "SignInAttempt", "UserSession"]

from agent.models.client_event import ClientEvent  # noqa: E402
from agent.models.rescore_request import RescoreRequest  # noqa: E402
from agent.models.risk_score_current import RiskScoreCurrent  # noqa: E402
from agent.models.scheduled_run import ScheduledRun  # noqa: E402

__all__ += ["ClientEvent", "RescoreRequest", "RiskScoreCurrent", "ScheduledRun"]
from agent.models.reference_rate import ReferenceRate  # noqa: E402

__all__ += ["ReferenceRate"]

from agent.models.invoice_charge import ChargeKind, InvoiceCharge  # noqa: E402

__all__ += ["ChargeKind", "InvoiceCharge"]

from agent.models.collection_case import CollectionCase  # noqa: E402

__all__ += ["CollectionCase"]
from agent.models.reply import Reply, ReplyInvoice  # noqa: E402

__all__ += ["Reply", "ReplyInvoice"]
