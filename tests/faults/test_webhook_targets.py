"""Webhooks cannot probe the server's own network unless the operator allows it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from agent.db import session_scope
from agent.errors import InvalidInput
from agent.models.api import WebhookDelivery, WebhookSubscription
from agent.services.webhooks import targets, webhooks
from tests.api.conftest import Keys

PRIVATE = [
    "http://127.0.0.1:6379/",
    "http://localhost:8000/hook",
    "http://app.localhost/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://[::1]:9000/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[fe80::1]/hook",
    "http://0.0.0.0:22/",
    "http://100.64.0.1/",
]


@pytest.mark.parametrize("url", PRIVATE)
def test_private_targets_are_refused_naming_the_url_field(url: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        targets.require_public(url, allow_private=False)
    assert caught.value.field == "url"
    targets.require_public(url, allow_private=True)


def test_public_addresses_and_unresolved_names_pass() -> None:
    targets.require_public("https://93.184.216.34/hook", allow_private=False)
    targets.require_public("https://[2606:4700::1111]/hook", allow_private=False)
    targets.require_public("https://erp.invalid/hook", allow_private=False)


def test_api_refuses_a_loopback_subscription_and_stores_nothing(
    client: TestClient, keys: Keys, session: Session
) -> None:
    for url in ("http://127.0.0.1:6379/", "http://169.254.169.254/latest"):
        response = client.post(
            "/api/v1/webhooks",
            json={"url": url, "events": ["invoice.paid"]},
            headers=keys.auth("admin"),
        )
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "url"
    assert session.exec(select(WebhookSubscription)).first() is None


def test_test_call_to_a_stored_private_url_is_refused_without_a_request(
    client: TestClient, keys: Keys, engine: object, session: Session
) -> None:
    with session_scope(engine) as writer:  # type: ignore[arg-type]
        stored = webhooks.create_subscription(
            writer,
            url="http://127.0.0.1:9/hook",
            events=[webhooks.INVOICE_PAID],
            created_by_user_id=keys.admin.id,
        )
    subscription_id = stored.subscription.id
    response = client.post(f"/api/v1/webhooks/{subscription_id}/test", headers=keys.auth("admin"))
    assert response.status_code == 422
    assert "private" in response.json()["detail"]
    assert session.exec(select(WebhookDelivery)).first() is None
