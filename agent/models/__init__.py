"""Every table, imported here so that Alembic and ``create_all`` see them all."""

from agent.models.client import Client, ClientCreate, ClientRead
from agent.models.invoice import Invoice, InvoiceCreate, InvoiceRead, Lifecycle
from agent.models.invoice_event import EventKind, InvoiceEvent
from agent.models.payment import Payment, PaymentRead
from agent.models.risk import RiskModelRecord, RiskScore
from agent.models.user import User, UserCreate, UserRead, UserRole

__all__ = [
    "Client",
    "ClientCreate",
    "ClientRead",
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
