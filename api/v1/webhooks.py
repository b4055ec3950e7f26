"""Webhook subscriptions (admin): create, list, remove, the delivery log, a test delivery."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from agent.models.api import DeliveryStatus
from agent.services.webhooks import targets, webhooks
from api.deps import Admin, SessionDep, SettingsDep
from api.v1.idempotent import IdempotencyDep
from api.v1.schemas import MAX_ID, DeliveryOut, WebhookCreated, WebhookIn, WebhookOut

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
SubscriptionId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("", summary="List subscriptions", response_model=list[WebhookOut])
def list_subscriptions(session: SessionDep, _caller: Admin) -> list[WebhookOut]:
    return [
        WebhookOut.model_validate(s, from_attributes=True)
        for s in webhooks.list_subscriptions(session)
    ]


@router.post("", status_code=201, summary="Subscribe a URL", response_model=WebhookCreated)
def create_subscription(
    body: WebhookIn,
    session: SessionDep,
    settings: SettingsDep,
    caller: Admin,
    idem: IdempotencyDep,
) -> Response:
    """The response carries the signing secret; it is not shown again."""
    targets.require_public(body.url, allow_private=settings.webhook_allow_private_urls)

    def produce() -> WebhookCreated:
        created = webhooks.create_subscription(
            session,
            url=body.url,
            events=body.events,
            created_by_user_id=caller.user.id,
            secret=body.secret,
        )
        return WebhookCreated.model_validate(
            created.subscription.model_dump(warnings=False) | {"secret": created.secret}
        )

    return idem.respond(session, caller, status_code=201, produce=produce)


@router.get("/{subscription_id}", summary="Get a subscription", response_model=WebhookOut)
def get_subscription(
    subscription_id: SubscriptionId, session: SessionDep, _caller: Admin
) -> WebhookOut:
    subscription = webhooks.get_subscription(session, subscription_id=subscription_id)
    return WebhookOut.model_validate(subscription, from_attributes=True)


@router.delete("/{subscription_id}", summary="Stop a subscription", response_model=WebhookOut)
def delete_subscription(
    subscription_id: SubscriptionId, session: SessionDep, _caller: Admin
) -> WebhookOut:
    subscription = webhooks.deactivate(session, subscription_id=subscription_id)
    return WebhookOut.model_validate(subscription, from_attributes=True)


@router.get(
    "/{subscription_id}/deliveries", summary="Delivery log", response_model=list[DeliveryOut]
)
def deliveries(
    subscription_id: SubscriptionId,
    session: SessionDep,
    _caller: Admin,
    status: DeliveryStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryOut]:
    rows = webhooks.list_deliveries(
        session, subscription_id=subscription_id, status=status, limit=limit
    )
    return [DeliveryOut.model_validate(d, from_attributes=True) for d in rows]


@router.post(
    "/{subscription_id}/test", summary="Send a test delivery now", response_model=DeliveryOut
)
def test_delivery(
    subscription_id: SubscriptionId, session: SessionDep, settings: SettingsDep, _caller: Admin
) -> DeliveryOut:
    """Posts a signed ``webhook.test`` event once and returns the logged attempt."""
    subscription = webhooks.get_subscription(session, subscription_id=subscription_id)
    targets.require_public(subscription.url, allow_private=settings.webhook_allow_private_urls)
    delivery = webhooks.send_test(session, subscription_id=subscription_id)
    return DeliveryOut.model_validate(delivery, from_attributes=True)
