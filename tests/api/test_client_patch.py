"""PATCH /api/v1/clients/{id}: every client field, validated, with history, scoped to the owner."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.builders import client_and_invoice
from tests.api.conftest import Keys


def test_patch_changes_every_field_and_records_history(client: TestClient, keys: Keys) -> None:
    client_id = client_and_invoice(client, keys)["client_id"]
    change = {
        "contact_emails": ["finance@acme.example"],
        "language": "sv",
        "country": "se",
        "timezone": "Europe/Stockholm",
        "default_terms_days": 20,
        "reminders_paused": True,
        "notes": "Direct debit from March",
    }
    response = client.patch(f"/api/v1/clients/{client_id}", json=change, headers=keys.auth("write"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert {k: body[k] for k in change} == change | {"country": "SE"}
    events = client.get(f"/api/v1/clients/{client_id}/events", headers=keys.auth("read")).json()
    assert len(events) == 1
    assert events[0]["data"]["contact_emails"] == {
        "from": ["ap@acme.example"],
        "to": ["finance@acme.example"],
    }
    again = client.patch(f"/api/v1/clients/{client_id}", json=change, headers=keys.auth("write"))
    assert again.status_code == 200
    assert (
        len(client.get(f"/api/v1/clients/{client_id}/events", headers=keys.auth("read")).json())
        == 1
    )


def test_patch_refuses_bad_values_naming_the_field(client: TestClient, keys: Keys) -> None:
    client_id = client_and_invoice(client, keys)["client_id"]
    for field, value in (("timezone", "Mars/Olympus"), ("language", "zz-top"), ("country", "XYZ")):
        response = client.patch(
            f"/api/v1/clients/{client_id}", json={field: value}, headers=keys.auth("write")
        )
        assert response.status_code == 422, (field, response.text)
        assert field in response.text
    assert client.get(f"/api/v1/clients/{client_id}/events", headers=keys.auth("read")).json() == []


def test_a_client_without_the_owners_invoices_is_not_found(client: TestClient, keys: Keys) -> None:
    created = client.post(
        "/api/v1/clients", json={"name": "Nobody's client"}, headers=keys.auth("admin")
    )
    client_id = created.json()["id"]
    response = client.patch(
        f"/api/v1/clients/{client_id}", json={"language": "nl"}, headers=keys.auth("write")
    )
    assert response.status_code == 404
    assert (
        client.patch(
            f"/api/v1/clients/{client_id}", json={"language": "nl"}, headers=keys.auth("admin")
        ).status_code
        == 200
    )
