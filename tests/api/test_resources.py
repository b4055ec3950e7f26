"""Every resource and action through the API, and who is recorded as having done it."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from agent.services.ledger import history
from tests.api.builders import client_and_invoice, store_draft
from tests.api.conftest import Keys
from tests.factories import make_client, make_invoice

TODAY = date.today()


def test_clients_create_read_list(client: TestClient, keys: Keys) -> None:
    for n in range(3):
        response = client.post(
            "/api/v1/clients", json={"name": f"Client {n}"}, headers=keys.auth("write")
        )
        assert response.status_code == 201
    first = client.get("/api/v1/clients?limit=2", headers=keys.auth("read")).json()
    assert [c["name"] for c in first["items"]] == ["Client 0", "Client 1"]
    second = client.get(
        f"/api/v1/clients?limit=2&cursor={first['next_cursor']}", headers=keys.auth("read")
    ).json()
    assert [c["name"] for c in second["items"]] == ["Client 2"]
    assert second["next_cursor"] is None
    one = client.get(f"/api/v1/clients/{first['items'][0]['id']}", headers=keys.auth("read"))
    assert one.json()["name"] == "Client 0"
    duplicate = client.post(
        "/api/v1/clients", json={"name": "client  0"}, headers=keys.auth("write")
    )
    assert duplicate.status_code == 422
    assert duplicate.json()["field"] == "name"


def test_users_admin_only_create_and_me(client: TestClient, keys: Keys) -> None:
    body = {"name": "New Person", "email": "new@example.com"}
    assert client.post("/api/v1/users", json=body, headers=keys.auth("write")).status_code == 403
    created = client.post("/api/v1/users", json=body, headers=keys.auth("admin"))
    assert created.status_code == 201
    assert created.json()["role"] == "owner"
    listed = client.get("/api/v1/users", headers=keys.auth("read")).json()
    assert {u["email"] for u in listed} >= {"new@example.com", "olga@example.com"}
    assert client.get("/api/v1/users/me", headers=keys.auth("admin")).json()["role"] == "admin"
    got = client.get(f"/api/v1/users/{created.json()['id']}", headers=keys.auth("read"))
    assert got.json()["email"] == "new@example.com"


def test_invoice_create_read_update_and_history_names_the_key(
    client: TestClient, keys: Keys, engine: Engine
) -> None:
    invoice = client_and_invoice(client, keys, reference="PO 1")
    assert invoice["status"] == "overdue"
    assert invoice["days_overdue"] == 10
    assert invoice["balance_minor"] == 100_000
    patched = client.patch(
        f"/api/v1/invoices/{invoice['id']}",
        json={"reference": "PO 2", "notes": "call first"},
        headers=keys.auth("write"),
    )
    assert patched.status_code == 200
    assert (patched.json()["reference"], patched.json()["notes"]) == ("PO 2", "call first")
    refused = client.patch(
        f"/api/v1/invoices/{invoice['id']}", json={"amount_minor": 1}, headers=keys.auth("write")
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"].endswith("amount_minor")
    events = client.get(
        f"/api/v1/invoices/{invoice['id']}/events", headers=keys.auth("read")
    ).json()
    assert [e["kind"] for e in events] == ["created", "updated"]
    assert {e["actor"] for e in events} == {f"api-key:{keys.prefixes['write']}"}
    assert {e["actor_user_id"] for e in events} == {keys.owner.id}
    as_of = (TODAY - timedelta(days=20)).isoformat()
    earlier = client.get(
        f"/api/v1/invoices/{invoice['id']}?as_of={as_of}", headers=keys.auth("read")
    ).json()
    assert earlier["status"] == "not_yet_due"


def test_every_invoice_action(client: TestClient, keys: Keys) -> None:
    invoice = client_and_invoice(client, keys)
    base = f"/api/v1/invoices/{invoice['id']}"
    auth = keys.auth("write")

    def act(action: str, body: dict, as_key: str = "write") -> dict:
        response = client.post(f"{base}/{action}", json=body, headers=keys.auth(as_key))
        assert response.status_code == 200, (action, response.text)
        return response.json()

    new_due = (TODAY + timedelta(days=20)).isoformat()
    assert act("extend", {"new_due_date": new_due, "reason": "agreed"})["due_date"] == new_due
    assert act("dispute", {"reason": "wrong quantity"})["status"] == "disputed"
    assert act("dispute/resolve", {"resolution": "credit note"})["status"] == "not_yet_due"
    promised = (TODAY + timedelta(days=5)).isoformat()
    assert act("promise", {"promised_date": promised})["promised_date"] == promised
    assert act("pause", {"paused": True, "reason": "on holiday"})["reminders_paused"] is True
    assert act("pause", {"paused": False})["reminders_paused"] is False
    act("notes", {"text": "spoke to AP"})
    other = client.post(
        "/api/v1/users", json={"name": "Bo", "email": "bo@example.com"}, headers=keys.auth("admin")
    ).json()
    refused = client.post(f"{base}/reassign", json={"owner_id": other["id"]}, headers=auth)
    assert refused.status_code == 403
    assert act("reassign", {"owner_id": other["id"]}, "admin")["owner_id"] == other["id"]
    gone = client.post(f"{base}/write-off", json={"reason": "bankrupt"}, headers=auth)
    assert gone.status_code == 404
    assert act("write-off", {"reason": "bankrupt"}, "admin")["status"] == "written_off"
    closed = client.post(f"{base}/void", json={"reason": "oops"}, headers=keys.auth("admin"))
    assert closed.status_code == 409
    assert closed.headers["content-type"] == "application/problem+json"

    draft = client_and_invoice(client, keys, number="INV-2", lifecycle="draft")
    assert draft["status"] == "draft"
    sent = client.post(f"/api/v1/invoices/{draft['id']}/send", json={}, headers=auth)
    assert sent.json()["lifecycle"] == "sent"
    voided = client.post(
        f"/api/v1/invoices/{draft['id']}/void", json={"reason": "duplicate"}, headers=auth
    )
    assert voided.json()["status"] == "void"


def test_payments_record_in_minor_units_or_decimal_strings(client: TestClient, keys: Keys) -> None:
    invoice = client_and_invoice(client, keys)
    auth = keys.auth("write")
    first = client.post(
        "/api/v1/payments",
        json={"invoice_id": invoice["id"], "amount_minor": 40_000, "currency": "eur"},
        headers=auth,
    )
    assert first.status_code == 201, first.text
    assert first.json()["balance_minor"] == 60_000
    assert first.json()["payment"]["recorded_by"] == f"api-key:{keys.prefixes['write']}"
    second = client.post(
        "/api/v1/payments",
        json={"invoice_id": invoice["id"], "amount": "600.00", "currency": "EUR"},
        headers=auth,
    )
    assert second.json()["settled"] is True
    too_much = client.post(
        "/api/v1/payments",
        json={"invoice_id": invoice["id"], "amount_minor": 1, "currency": "EUR"},
        headers=auth,
    )
    assert too_much.status_code == 409 or too_much.status_code == 422
    assert too_much.json()["field"] == "amount"
    both = client.post(
        "/api/v1/payments",
        json={"invoice_id": invoice["id"], "amount": "1", "amount_minor": 1, "currency": "EUR"},
        headers=auth,
    )
    assert both.status_code == 422
    listed = client.get(
        f"/api/v1/payments?invoice_id={invoice['id']}", headers=keys.auth("read")
    ).json()
    assert [p["amount_minor"] for p in listed["items"]] == [40_000, 60_000]
    one = client.get(f"/api/v1/payments/{listed['items'][0]['id']}", headers=keys.auth("read"))
    assert one.json()["amount_minor"] == 40_000
    per_invoice = client.get(
        f"/api/v1/invoices/{invoice['id']}/payments", headers=keys.auth("read")
    ).json()
    assert len(per_invoice) == 2
    paid = client.get(f"/api/v1/invoices/{invoice['id']}", headers=keys.auth("read")).json()
    assert paid["status"] == "paid"


def test_invoice_list_filters(client: TestClient, keys: Keys, engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        acme = make_client(session, name="Acme")
        other = make_client(session, name="Other")
        overdue = make_invoice(
            session,
            client=acme,
            owner=keys.owner,
            issue_date=TODAY - timedelta(days=60),
            due_date=TODAY - timedelta(days=30),
            number="OVER",
        )
        make_invoice(
            session,
            client=other,
            owner=keys.owner,
            issue_date=TODAY - timedelta(days=5),
            due_date=TODAY + timedelta(days=25),
            number="LATER",
            amount_minor=20_000,
        )
        soon = make_invoice(
            session,
            client=acme,
            owner=keys.admin,
            issue_date=TODAY - timedelta(days=25),
            due_date=TODAY + timedelta(days=3),
            number="SOON",
        )
        session.commit()
    auth = keys.auth("admin")  # an owner's key lists only that owner's invoices

    def numbers(query: str) -> list[str]:
        response = client.get(f"/api/v1/invoices?{query}", headers=auth)
        assert response.status_code == 200, response.text
        return [i["number"] for i in response.json()["items"]]

    assert numbers("") == ["OVER", "SOON", "LATER"]
    assert numbers("overdue=true") == ["OVER"]
    assert numbers("overdue=false") == ["SOON", "LATER"]
    assert numbers("status=due_soon&status=overdue") == ["OVER", "SOON"]
    assert numbers(f"client_id={acme.id}") == ["OVER", "SOON"]
    assert numbers(f"owner_id={keys.admin.id}") == ["SOON"]
    assert numbers(f"due_from={TODAY.isoformat()}&due_to={(TODAY + timedelta(days=10))}") == [
        "SOON"
    ]
    assert numbers("sort=-due_date") == ["LATER", "SOON", "OVER"]
    assert numbers("sort=-amount_minor&limit=1") == ["LATER"]
    assert numbers("sort=amount_minor") == ["OVER", "SOON", "LATER"]
    assert numbers("risk_band=high") == []
    assert overdue.id and soon.id
    bad = client.get("/api/v1/invoices?status=bogus", headers=auth)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"].startswith("query.status")
    assert client.get("/api/v1/invoices?cursor=garbage", headers=auth).status_code == 422


def test_reports_and_risk(client: TestClient, keys: Keys) -> None:
    client_and_invoice(client, keys)
    auth = keys.auth("read")
    aging = client.get("/api/v1/reports/aging", headers=auth).json()
    assert aging["currencies"][0]["total"]["outstanding_minor"] == 100_000
    kpis = client.get("/api/v1/reports/kpis", headers=auth).json()
    assert kpis["currencies"][0]["overdue_minor"] == 100_000
    cash = client.get("/api/v1/reports/expected-cash?weeks=4", headers=auth).json()
    assert len(cash["currencies"][0]["weeks"]) == 4
    assert (
        sum(w["expected_minor"] for w in cash["currencies"][0]["weeks"])
        + cash["currencies"][0]["later_minor"]
        == 100_000
    )
    model = client.get("/api/v1/risk/model", headers=auth).json()
    assert model["deployed"] is False
    invoice_id = client.get("/api/v1/invoices", headers=auth).json()["items"][0]["id"]
    score = client.get(f"/api/v1/risk/invoices/{invoice_id}", headers=auth)
    assert score.status_code == 200, score.text
    assert 0.0 <= score.json()["p_late"] <= 1.0
    assert score.json()["band"] in ("low", "medium", "high")
    accounts = client.get("/api/v1/risk/accounts", headers=auth)
    assert accounts.status_code == 200
    assert accounts.json()[0]["outstanding_minor"] == {"EUR": 100_000}
    band = score.json()["band"]
    listed = client.get(f"/api/v1/invoices?risk_band={band}", headers=auth).json()
    assert [i["id"] for i in listed["items"]] == [invoice_id]
    assert listed["items"][0]["risk_band"] == band


def test_drafts_queue_approve_reject_snooze(client: TestClient, keys: Keys, engine: Engine) -> None:
    first = client_and_invoice(client, keys, number="D-1")
    second = client_and_invoice(client, keys, number="D-2")
    third = client_and_invoice(client, keys, number="D-3")
    ids = [
        store_draft(engine, keys, inv["id"], f"t{n}")
        for n, inv in enumerate((first, second, third))
    ]
    queue = client.get("/api/v1/drafts", headers=keys.auth("read")).json()
    assert [d["id"] for d in queue] == ids
    assert queue[0]["invoices"][0]["number"] == "D-1"
    one = client.get(f"/api/v1/drafts/{ids[0]}", headers=keys.auth("read")).json()
    assert one["stale_reasons"] == []
    write_only = client.post(
        f"/api/v1/drafts/{ids[0]}/approve", json={}, headers=keys.auth("write")
    )
    assert write_only.status_code == 403
    approved = client.post(
        f"/api/v1/drafts/{ids[0]}/approve",
        json={"subject": "Edited subject"},
        headers=keys.auth("approve"),
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["final_subject"] == "Edited subject"
    assert approved.json()["decided_by_user_id"] == keys.owner.id
    again = client.post(f"/api/v1/drafts/{ids[0]}/approve", json={}, headers=keys.auth("approve"))
    assert again.status_code == 409
    rejected = client.post(
        f"/api/v1/drafts/{ids[1]}/reject", json={"reason": "tone"}, headers=keys.auth("approve")
    )
    assert rejected.json()["status"] == "rejected"
    until = (TODAY + timedelta(days=3)).isoformat()
    snoozed = client.post(
        f"/api/v1/drafts/{ids[2]}/snooze", json={"until": until}, headers=keys.auth("approve")
    )
    assert snoozed.json()["snoozed_until"] == until
    assert client.get("/api/v1/drafts", headers=keys.auth("read")).json() == []
    with Session(engine) as session:
        events = history.list_for_invoice(session, invoice_id=first["id"])
    approvals = [e for e in events if e.kind == "reminder_approved"]
    assert len(approvals) == 1
    assert approvals[0].actor.startswith("api-key:")
    assert approvals[0].actor_user_id == keys.owner.id
