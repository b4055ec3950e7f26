"""Hostile and malformed requests: always an RFC 9457 problem, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Keys

PROBLEM = "application/problem+json"


def _assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and "detail" in body
    return body


def test_validation_errors_list_each_bad_field(client: TestClient, keys: Keys) -> None:
    response = client.post(
        "/api/v1/invoices",
        json={"number": "", "client_id": "x", "amount_minor": -5, "surprise": 1},
        headers=keys.auth("write"),
    )
    body = _assert_problem(response, 422)
    fields = {error["field"] for error in body["errors"]}
    assert {"body.number", "body.client_id", "body.amount_minor", "body.surprise"} <= fields
    assert "body.currency" in fields


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", "/api/v1/clients", {"name": "nul\u0000byte"}),
        ("POST", "/api/v1/clients", {"name": "x" * 301}),
        ("POST", "/api/v1/clients", {"name": "ok", "default_terms_days": 10**30}),
        ("POST", "/api/v1/clients", {"name": "ok", "timezone": "Mars/Olympus"}),
        ("POST", "/api/v1/clients", {"name": "ok", "currency": "XYZ"}),
        ("POST", "/api/v1/clients", {"name": "ok", "language": "zz-ZZ-invalid"}),
        ("POST", "/api/v1/payments", {"invoice_id": 2**63, "amount_minor": 1, "currency": "EUR"}),
        ("POST", "/api/v1/payments", {"invoice_id": 1, "amount": "1e400", "currency": "EUR"}),
        ("POST", "/api/v1/payments", {"invoice_id": 1, "amount": "NaN", "currency": "EUR"}),
        ("POST", "/api/v1/payments", {"invoice_id": 1, "amount_minor": 1.5, "currency": "EUR"}),
        ("POST", "/api/v1/payments", [1, 2, 3]),
        ("POST", "/api/v1/payments", "just a string"),
        ("GET", "/api/v1/invoices/99999999999999999999", None),
        ("GET", "/api/v1/invoices/-1", None),
        ("GET", "/api/v1/invoices?due_from=9999-99-99", None),
        ("GET", "/api/v1/invoices?due_from=0001-01-01", None),
        ("GET", "/api/v1/invoices?limit=100000", None),
        ("GET", "/api/v1/invoices?cursor=%00%00", None),
        ("GET", "/api/v1/reports/aging?as_of=10000-01-01", None),
        ("POST", "/api/v1/invoices/1/extend", {"new_due_date": "9999-12-31", "reason": "r"}),
    ],
)
def test_hostile_inputs_are_problems_not_crashes(
    client: TestClient, keys: Keys, method: str, path: str, payload: object
) -> None:
    response = client.request(method, path, json=payload, headers=keys.auth("admin"))
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == PROBLEM


def test_invalid_json_is_a_422_problem(client: TestClient, keys: Keys) -> None:
    response = client.post(
        "/api/v1/clients",
        content=b'{"name": "unterminated',
        headers=keys.auth("write") | {"Content-Type": "application/json"},
    )
    _assert_problem(response, 422)


def test_oversized_bodies_are_413(client: TestClient, keys: Keys) -> None:
    big = b'{"name": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    declared = client.post(
        "/api/v1/clients",
        content=big,
        headers=keys.auth("write") | {"Content-Type": "application/json"},
    )
    _assert_problem(declared, 413)

    def chunks():
        for _ in range(40):
            yield b"x" * 65536

    streamed = client.post(
        "/api/v1/clients",
        content=chunks(),
        headers=keys.auth("write") | {"Content-Type": "application/json"},
    )
    _assert_problem(streamed, 413)


def test_unknown_route_and_method_are_problems(client: TestClient, keys: Keys) -> None:
    _assert_problem(client.get("/api/v1/nothing-here", headers=keys.auth("read")), 404)
    not_allowed = client.put("/api/v1/invoices", headers=keys.auth("write"))
    _assert_problem(not_allowed, 405)
    assert "GET" in not_allowed.headers["allow"]


def test_unknown_ids_are_404_problems_naming_the_record(client: TestClient, keys: Keys) -> None:
    for path in ("invoices/5", "clients/5", "users/5", "payments/5", "drafts/5", "webhooks/5"):
        body = _assert_problem(client.get(f"/api/v1/{path}", headers=keys.auth("admin")), 404)
        assert body["detail"]


def test_openapi_document_and_docs_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "Problem" in spec["components"]["schemas"]
    operation = spec["paths"]["/api/v1/payments"]["post"]
    assert operation["responses"]["422"]["content"][PROBLEM]["schema"]["$ref"].endswith("Problem")
    assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
    examples = spec["components"]["schemas"]["PaymentIn"]["examples"]
    assert examples[0]["amount_minor"] == 50000
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize("value", ["1.5", "1.8e-59", "20260101", "2026-1-1", "yesterday"])
def test_dates_are_iso_days_never_timestamps(client: TestClient, keys: Keys, value: str) -> None:
    response = client.get(f"/api/v1/risk/accounts?as_of={value}", headers=keys.auth("read"))
    body = _assert_problem(response, 422)
    assert body["errors"][0]["field"] == "query.as_of"
