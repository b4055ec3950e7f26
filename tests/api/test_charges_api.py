"""Charges over the API: client policy by PATCH, an invoice's charges as of a day."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Keys


def new_client(client: TestClient, keys: Keys, name: str, country: str, currency: str) -> int:
    response = client.post(
        "/api/v1/clients",
        json={"name": name, "country": country, "currency": currency},
        headers=keys.auth("write"),
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def new_invoice(
    client: TestClient, keys: Keys, *, client_id: int, owner_id: int, **fields: Any
) -> int:
    body = {"client_id": client_id, "owner_id": owner_id, "issue_date": "2026-01-01"} | fields
    response = client.post("/api/v1/invoices", json=body, headers=keys.auth("admin"))
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_patch_policy_then_read_charges(client: TestClient, keys: Keys) -> None:
    client_id = new_client(client, keys, "Handel BV", "NL", "EUR")
    patched = client.patch(
        f"/api/v1/clients/{client_id}",
        json={"late_charges": "claim", "reminder_fee_agreed": True},
        headers=keys.auth("write"),
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["late_charges"], patched.json()["jurisdiction"]) == ("claim", None)
    invoice_id = new_invoice(
        client,
        keys,
        client_id=client_id,
        owner_id=keys.owner.id,
        number="NL-1",
        due_date="2026-01-31",
        currency="EUR",
        amount_minor=500_000,
    )
    paid = client.post(
        "/api/v1/payments",
        json={
            "invoice_id": invoice_id,
            "amount": "2000.00",
            "currency": "EUR",
            "payment_date": "2026-02-10",
        },
        headers=keys.auth("write"),
    )
    assert paid.status_code == 201, paid.text
    got = client.get(
        f"/api/v1/invoices/{invoice_id}/charges?as_of=2026-03-02", headers=keys.auth("read")
    )
    assert got.status_code == 200, got.text
    body = got.json()
    # docs/charges.md's EU example: 30.59 EUR interest, 40 EUR compensation.
    assert (body["jurisdiction"], body["policy"], body["rate_percent"], body["days"]) == (
        "EU",
        "claim",
        "10.15",
        30,
    )
    assert (body["interest_minor"], body["compensation_minor"], body["reminder_fee_minor"]) == (
        3_059,
        4_000,
        0,
    )


def test_bad_input_is_a_clear_4xx_and_other_owners_invoices_are_not_found(
    client: TestClient, keys: Keys
) -> None:
    client_id = new_client(client, keys, "Shop Ltd", "GB", "GBP")
    for body in ({"late_charges": "always"}, {"jurisdiction": "US"}, {"colour": "red"}):
        response = client.patch(
            f"/api/v1/clients/{client_id}", json=body, headers=keys.auth("write")
        )
        assert response.status_code == 422, response.text
    assert (
        client.patch(
            "/api/v1/clients/999", json={"late_charges": "off"}, headers=keys.auth("write")
        ).status_code
        == 404
    )
    assert (
        client.patch(
            f"/api/v1/clients/{client_id}", json={"late_charges": "off"}, headers=keys.auth("read")
        ).status_code
        == 403
    )
    admins = new_invoice(
        client,
        keys,
        client_id=client_id,
        owner_id=keys.admin.id,
        number="GB-1",
        due_date="2026-02-01",
        currency="GBP",
        amount_minor=100_000,
    )
    url = f"/api/v1/invoices/{admins}/charges?as_of=2026-03-01"
    assert client.get(url, headers=keys.auth("read")).status_code == 404
    seen = client.get(url, headers=keys.auth("admin"))
    assert seen.status_code == 200
    assert seen.json()["compensation_minor"] == 7_000  # £1,000.00 is in the £70 tier
    bad_day = client.get(
        f"/api/v1/invoices/{admins}/charges?as_of=2026-02-30", headers=keys.auth("admin")
    )
    assert bad_day.status_code == 422


def test_case_file_as_json_and_html(client: TestClient, keys: Keys) -> None:
    client_id = new_client(client, keys, "Case <b>Ltd</b>", "GB", "GBP")
    invoice_id = new_invoice(
        client,
        keys,
        client_id=client_id,
        owner_id=keys.owner.id,
        number="GB-9",
        due_date="2026-02-01",
        currency="GBP",
        amount_minor=100_000,
    )
    url = f"/api/v1/invoices/{invoice_id}/case-file?as_of=2026-03-01"
    as_json = client.get(url, headers=keys.auth("read"))
    assert as_json.status_code == 200, as_json.text
    body = as_json.json()
    assert (body["invoice"]["number"], body["client"]["jurisdiction"]) == ("GB-9", "UK")
    assert body["charges"]["compensation_minor"] == 7_000
    page = client.get(url + "&format=html", headers=keys.auth("read"))
    assert page.headers["content-type"].startswith("text/html")
    assert "Case file: invoice GB-9" in page.text and "&lt;b&gt;Ltd&lt;/b&gt;" in page.text
    other = new_invoice(
        client,
        keys,
        client_id=client_id,
        owner_id=keys.admin.id,
        number="GB-10",
        due_date="2026-02-01",
        currency="GBP",
        amount_minor=100_000,
    )
    hidden = f"/api/v1/invoices/{other}/case-file"
    assert client.get(hidden, headers=keys.auth("read")).status_code == 404
