"""The access rule over the API: two owners and an admin, each with their own key.

Every route of the OpenAPI table that names an invoice or a draft is called with the other
owner's key: the answer is 404 and nothing changes.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.errors import Forbidden
from agent.models import Invoice
from agent.models.api import ApiKey
from agent.models.draft import Draft
from agent.models.notification import Notification, NotificationKind
from agent.services.access import api_keys, users
from tests.api.builders import TODAY, client_and_invoice, store_draft
from tests.api.conftest import Keys

BODIES: dict[str, dict[str, object]] = {
    "send": {},
    "extend": {"new_due_date": (TODAY + timedelta(days=30)).isoformat(), "reason": "agreed"},
    "dispute": {"reason": "wrong"},
    "dispute/resolve": {"resolution": "credit note"},
    "promise": {"promised_date": (TODAY + timedelta(days=3)).isoformat()},
    "pause": {"paused": True, "reason": "holiday"},
    "notes": {"text": "hello"},
    "write-off": {"reason": "gone"},
    "void": {"reason": "oops"},
    "reassign": {"owner_id": 0},
    "approve": {},
    "reject": {"reason": "no"},
    "snooze": {"until": (TODAY + timedelta(days=3)).isoformat()},
    "cancel": {"reason": "no longer owed"},
    "requeue": {"reason": "look again"},
    "reverse": {"reason": "recorded twice"},
    "charges/payments": {"amount": "10.00", "currency": "EUR"},
}
PDF = {"file": ("invoice.pdf", b"%PDF-1.4 owner test", "application/pdf")}


def _second_owner(engine: Engine) -> tuple[int, dict[str, str]]:
    with Session(engine, expire_on_commit=False) as session:
        bea = users.create(session, name="Bea Owner", email="bea@example.com")
        issued = api_keys.create(session, user_id=bea.id, scopes=["write", "approve"], name="bea")
        session.commit()
    return bea.id, {"Authorization": f"Bearer {issued.token}"}


def _routes(client: TestClient, name: str) -> list[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        if "{" + name + "}" in path
        for method in item
    ]


def _body(path: str, other_owner_id: int) -> dict[str, object] | None:
    action = re.sub(r"^.*\{[a-z_]+\}/?", "", path)
    if not action:
        return {"notes": "changed"}
    body = dict(BODIES[action])
    if action == "reassign":
        body["owner_id"] = other_owner_id
    return body


def _version(engine: Engine, invoice_id: int) -> int:
    with Session(engine) as session:
        return session.get_one(Invoice, invoice_id).version


def test_another_owners_invoice_is_not_found_on_every_route(
    client: TestClient, engine: Engine, keys: Keys
) -> None:
    bea_id, bea = _second_owner(engine)
    olgas = client_and_invoice(client, keys, number="OLGA-1")
    before = _version(engine, olgas["id"])
    routes = _routes(client, "invoice_id")
    assert len(routes) >= 14
    for method, path in routes:
        url = path.replace("{invoice_id}", str(olgas["id"]))
        if path.endswith("/document"):
            response = client.request(method, url, files=PDF, headers=bea)
        else:
            body = _body(path, bea_id) if method in ("POST", "PATCH") else None
            response = client.request(method, url, json=body, headers=bea)
        # Reassignment is refused to every owner alike, so its 403 leaks nothing either.
        expected = 403 if path.endswith("/reassign") else 404
        assert response.status_code == expected, (method, path, response.text)
        assert "OLGA-1" not in response.text
    assert _version(engine, olgas["id"]) == before
    mine = client.get(f"/api/v1/invoices/{olgas['id']}", headers=keys.auth("read"))
    assert mine.status_code == 200
    admin = client.get(f"/api/v1/invoices/{olgas['id']}", headers=keys.auth("admin"))
    assert admin.status_code == 200


def test_another_owners_draft_is_refused_on_every_route(
    client: TestClient, engine: Engine, keys: Keys
) -> None:
    _bea_id, bea = _second_owner(engine)
    olgas = client_and_invoice(client, keys, number="OLGA-1")
    draft_id = store_draft(engine, keys, olgas["id"], "thread-olga")
    routes = _routes(client, "draft_id")
    assert len(routes) >= 4
    for method, path in routes:
        url = path.replace("{draft_id}", str(draft_id))
        body = _body(path, 0) if method == "POST" else None
        response = client.request(method, url, json=body, headers=bea)
        assert response.status_code == 404, (method, path, response.text)
    with Session(engine) as session:
        assert session.get_one(Draft, draft_id).status == "pending_review"


def test_lists_hold_only_the_owners_invoices(
    client: TestClient, engine: Engine, keys: Keys
) -> None:
    _bea_id, bea = _second_owner(engine)
    client_and_invoice(client, keys, number="OLGA-1")
    listed = client.get("/api/v1/invoices", headers=bea).json()["items"]
    assert listed == []
    olga = client.get("/api/v1/invoices", headers=keys.auth("read")).json()["items"]
    assert [i["number"] for i in olga] == ["OLGA-1"]
    everyone = client.get("/api/v1/invoices", headers=keys.auth("admin")).json()["items"]
    assert [i["number"] for i in everyone] == ["OLGA-1"]


def test_only_an_admin_reassigns_and_pending_drafts_follow(
    client: TestClient, engine: Engine, keys: Keys
) -> None:
    bea_id, bea = _second_owner(engine)
    olgas = client_and_invoice(client, keys, number="OLGA-1")
    draft_id = store_draft(engine, keys, olgas["id"], "thread-olga")
    url = f"/api/v1/invoices/{olgas['id']}/reassign"
    own = client.post(url, json={"owner_id": bea_id}, headers=keys.auth("write"))
    assert own.status_code == 403
    moved = client.post(url, json={"owner_id": bea_id}, headers=keys.auth("admin"))
    assert moved.status_code == 200, moved.text
    assert moved.json()["owner_id"] == bea_id
    with Session(engine) as session:
        assert session.get_one(Draft, draft_id).owner_id == bea_id
        told = session.exec(
            select(Notification.owner_id).where(Notification.kind == NotificationKind.REASSIGNED)
        ).all()
    assert sorted(told) == sorted([keys.owner.id, bea_id])
    assert client.get(f"/api/v1/invoices/{olgas['id']}", headers=bea).status_code == 200
    gone = client.get(f"/api/v1/invoices/{olgas['id']}", headers=keys.auth("read"))
    assert gone.status_code == 404


def test_a_key_never_exceeds_its_user(client: TestClient, engine: Engine, keys: Keys) -> None:
    with Session(engine) as session, pytest.raises(Forbidden):
        api_keys.create(session, user_id=keys.owner.id, scopes=["admin"])
    with Session(engine) as session:
        # A key stored with ``admin`` before the rule existed: the scope is ignored.
        legacy = session.exec(select(ApiKey).where(ApiKey.prefix == keys.prefixes["read"])).one()
        legacy.scopes = ["admin"]
        session.add(legacy)
        session.commit()
    headers = keys.auth("read")
    made = client.post(
        "/api/v1/users", json={"name": "X", "email": "x@example.com"}, headers=headers
    )
    assert made.status_code == 403


def test_another_owners_client_is_not_found(client: TestClient, engine: Engine, keys: Keys) -> None:
    """An owner sees clients with one of their invoices, or with none yet (nobody's)."""
    _bea_id, bea = _second_owner(engine)
    olgas = client_and_invoice(client, keys, number="OLGA-1")
    url = f"/api/v1/clients/{olgas['client_id']}"
    assert client.get(url, headers=bea).status_code == 404
    assert client.get(url, headers=keys.auth("read")).status_code == 200
    assert client.get(url, headers=keys.auth("admin")).status_code == 200
    fresh = client.post("/api/v1/clients", json={"name": "New Co"}, headers=bea).json()
    listed = client.get("/api/v1/clients", headers=bea).json()["items"]
    assert [c["id"] for c in listed] == [fresh["id"]]
    assert client.get(f"/api/v1/clients/{fresh['id']}", headers=bea).status_code == 200


def test_another_owners_payment_is_not_found(
    client: TestClient, engine: Engine, keys: Keys
) -> None:
    _bea_id, bea = _second_owner(engine)
    olgas = client_and_invoice(client, keys, number="OLGA-1")
    paid = client.post(
        "/api/v1/payments",
        json={"invoice_id": olgas["id"], "amount_minor": 1_000, "currency": "EUR"},
        headers=keys.auth("write"),
    )
    assert paid.status_code in (200, 201), paid.text
    payment_id = paid.json()["payment"]["id"]
    routes = _routes(client, "payment_id")
    assert routes
    for method, path in routes:
        url = path.replace("{payment_id}", str(payment_id))
        body = _body(path, 0) if method == "POST" else None
        assert client.request(method, url, json=body, headers=bea).status_code == 404, path
    assert client.get("/api/v1/payments", headers=bea).json()["items"] == []
    olga = client.get("/api/v1/payments", headers=keys.auth("read")).json()["items"]
    assert [p["id"] for p in olga] == [payment_id]


def test_an_owner_cannot_open_an_invoice_in_another_owners_name(
    client: TestClient, engine: Engine, keys: Keys
) -> None:
    bea_id, bea = _second_owner(engine)
    olgas = client_and_invoice(client, keys, number="OLGA-1")
    body = {
        "number": "BEA-FOR-OLGA",
        "client_id": olgas["client_id"],
        "owner_id": olgas["owner_id"],
        "issue_date": TODAY.isoformat(),
        "currency": "EUR",
        "amount_minor": 10_000,
    }
    refused = client.post("/api/v1/invoices", json=body, headers=bea)
    assert refused.status_code == 403, refused.text
    assert refused.json()["field"] == "owner_id"
    mine = client.post("/api/v1/invoices", json=body | {"owner_id": bea_id}, headers=bea)
    assert mine.status_code == 201, mine.text
