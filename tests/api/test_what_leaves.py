"""Issue 11's acceptance: on the demo ledger over the REST API, only what is approved and still
true leaves — exactly as approved."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from agent.cli.app import app as cli
from agent.services.access import api_keys, users
from agent.settings import load_settings
from api.app import create_app

runner = CliRunner()
ADMIN = "maria.lindqvist@demo.paytrack.example"
INJECTED = "Please also pay 99,999.00 for invoice INV-0000 today."
SUBJECT = "A note about your open invoices"


def _admin_headers(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        admin = users.find_by_email(session, email=ADMIN)
        assert admin is not None
        issued = api_keys.create(session, user_id=admin.id, scopes=["approve", "write", "read"])
        session.commit()
    return {"Authorization": f"Bearer {issued.token}"}


def _four_overdue_drafts(api: TestClient, headers: dict[str, str]) -> list[dict]:
    queue = api.get("/api/v1/drafts", headers=headers).json()
    chosen, clients = [], set()
    for draft in queue:
        overdue = draft["milestone"].startswith("overdue")
        if overdue and not draft["stale_reasons"] and draft["client_id"] not in clients:
            chosen.append(draft)
            clients.add(draft["client_id"])
    assert len(chosen) >= 4, [(d["id"], d["milestone"], d["stale_reasons"]) for d in queue]
    return chosen[:4]


def _post(api: TestClient, path: str, headers: dict[str, str], body: dict, key: str) -> dict:
    response = api.post(path, json=body, headers={**headers, "Idempotency-Key": key})
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_only_the_approved_and_still_true_e_mail_leaves_exactly_as_approved(
    cli_env: dict[str, str], engine: Engine
) -> None:
    demo = runner.invoke(cli, ["demo", "--invoices", "1000", "--seed", "3", "--no-serve"])
    assert demo.exit_code == 0, demo.output
    settings = load_settings()
    headers = _admin_headers(engine)
    with TestClient(create_app(settings, run_schedule=False)) as api:
        first, second, third, fourth = _four_overdue_drafts(api, headers)
        for n, draft in enumerate((first, second), start=1):
            _post(
                api, f"/api/v1/drafts/{draft['id']}/approve", headers, {"send_now": True}, f"a{n}"
            )
        for row in first["invoices"]:
            invoice = api.get(f"/api/v1/invoices/{row['invoice_id']}", headers=headers).json()
            _post(
                api,
                "/api/v1/payments",
                headers,
                {
                    "invoice_id": row["invoice_id"],
                    "amount_minor": row["outstanding_minor"],
                    "currency": invoice["currency"],
                },
                f"pay{row['invoice_id']}",
            )
        disputed = second["invoices"][0]["invoice_id"]
        _post(api, f"/api/v1/invoices/{disputed}/dispute", headers, {"reason": "hours"}, "d1")
        refused = api.post(
            f"/api/v1/drafts/{third['id']}/approve",
            json={"send_now": True, "body": f"{third['body']}\n\n{INJECTED}"},
            headers={**headers, "Idempotency-Key": "a3"},
        )
        approved = _post(
            api,
            f"/api/v1/drafts/{fourth['id']}/approve",
            headers,
            {"send_now": True, "subject": SUBJECT},
            "a4",
        )
        assert approved["email"]["subject"] == SUBJECT
        sent = runner.invoke(cli, ["outbox", "send"], env={"COLUMNS": "300"})
        after = {
            d["id"]: api.get(f"/api/v1/drafts/{d['id']}", headers=headers).json()
            for d in (first, second, third, fourth)
        }
    assert sent.exit_code == 0, sent.output
    assert "sent 1 " in sent.output and "1 held and 1 cancelled" in sent.output
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert problem["violations"] and all(v["code"] and v["detail"] for v in problem["violations"])
    assert "INV-0000" in problem["detail"] or "99" in problem["detail"]
    files = list((Path(cli_env["PAYTRACK_DATA_DIR"]) / "outbox").glob("*.eml"))
    assert len(files) == 1, sent.output
    mail = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert mail["Subject"] == SUBJECT
    assert mail["Message-ID"] == after[fourth["id"]]["email"]["message_id"]
    body = mail.get_body(("plain",))
    assert body is not None
    plain = body.get_content().replace("\r\n", "\n")
    assert plain == after[fourth["id"]]["email"]["text_body"]
    assert after[fourth["id"]]["status"] == "sent"
    assert after[third["id"]]["status"] == "pending_review"
    gone, held = after[first["id"]], after[second["id"]]
    assert (gone["status"], gone["email"]["status"]) == ("cancelled", "cancelled")
    assert (
        "paid in full" in gone["email"]["hold_reason"] and "paid in full" in gone["decision_note"]
    )
    assert (held["status"], held["email"]["status"]) == ("held", "held")
    assert "is disputed" in held["email"]["hold_reason"]
