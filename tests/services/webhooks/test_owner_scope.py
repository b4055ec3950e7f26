"""An owner's webhook subscription receives only the events of that owner's invoices."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from agent.models import UserRole
from agent.models.api import WebhookDelivery
from agent.services.webhooks import webhooks
from tests.factories import make_invoice, make_user, pay


def _receivers(session: Session, invoice_id: int) -> set[int]:
    rows = session.exec(select(WebhookDelivery).where(WebhookDelivery.event == "payment.recorded"))
    return {row.subscription_id for row in rows if row.payload["data"]["invoice_id"] == invoice_id}


def test_owner_subscriptions_hear_only_their_invoices(session: Session) -> None:
    olga = make_user(session, name="Olga", email="olga@example.com")
    bea = make_user(session, name="Bea", email="bea@example.com")
    ada = make_user(session, name="Ada", email="ada@example.com", role=UserRole.ADMIN)
    events = [webhooks.PAYMENT_RECORDED]
    olgas_hook = webhooks.create_subscription(
        session, url="https://olga.example/hook", events=events, created_by_user_id=olga.id
    ).subscription
    admins_hook = webhooks.create_subscription(
        session, url="https://ada.example/hook", events=events, created_by_user_id=ada.id
    ).subscription
    olgas = make_invoice(session, owner=olga, number="O-1")
    beas = make_invoice(session, owner=bea, number="B-1")
    pay(session, olgas, amount_minor=1_000, payment_date=date(2026, 2, 1))
    pay(session, beas, amount_minor=1_000, payment_date=date(2026, 2, 1))
    assert _receivers(session, olgas.id) == {olgas_hook.id, admins_hook.id}
    assert _receivers(session, beas.id) == {admins_hook.id}
