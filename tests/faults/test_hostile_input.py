"""Hostile input at every boundary: a clear 4xx or a named row problem, and nothing stored."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from agent.actor import Actor
from agent.errors import ImportRejected, InvalidInput
from agent.inputs import clean_line, clean_name, clean_text, unsafe_reason
from agent.models import Client, ClientCreate, Invoice
from agent.services.ledger import clients
from agent.services.ledger.io.imports.invoice_rows import InvoiceRowOptions
from agent.services.ledger.io.imports.invoices import import_invoices
from tests.api.conftest import Keys
from tests.factories import make_client


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a\x00b", "contains a NUL character"),
        ("\ud800", "contains invalid Unicode (a lone surrogate)"),
        ("pay\u202eyap", "contains the bidirectional control character U+202E"),
        ("x\u2066y", "contains the bidirectional control character U+2066"),
        ("bell\x07", "contains the control character U+0007"),
        ("two\nlines", "contains the control character U+000A"),
    ],
)
def test_unsafe_text_is_named(text: str, reason: str) -> None:
    assert unsafe_reason(text) == reason
    with pytest.raises(ValueError, match=re.escape(reason)):
        clean_line(text)


def test_names_are_stripped_and_never_empty_free_text_keeps_its_lines() -> None:
    assert clean_name("  INV-1 \t") == "INV-1"
    with pytest.raises(ValueError, match="must not be empty"):
        clean_name("   ")
    assert clean_text("line one\n\tline two\r\n") == "line one\n\tline two\r\n"
    assert unsafe_reason("Ünïcødé – ok ✓ 日本") is None


def _post(client: TestClient, keys: Keys, path: str, body: bytes) -> tuple[int, dict]:
    headers = keys.auth("write") | {"content-type": "application/json"}
    response = client.post(path, content=body, headers=headers)
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (b'{"name": "   "}', "body.name", "must not be empty or only spaces"),
        (b'{"name": "\\ud800x"}', "body.name", "contains invalid Unicode (a lone surrogate)"),
        (b'{"name": "a\\u0000b"}', "body.name", "contains a NUL character"),
        (b'{"name": "\\u202eevil"}', "body.name", "bidirectional control character U+202E"),
        (b'{"name": "ok", "default_terms_days": true}', "body.default_terms_days", "integer"),
        (b'{"name": "ok", "default_terms_days": "30"}', "body.default_terms_days", "integer"),
    ],
)
def test_hostile_client_bodies_are_422_naming_the_field(
    client: TestClient, keys: Keys, session: Session, body: bytes, field: str, reason: str
) -> None:
    status, problem = _post(client, keys, "/api/v1/clients", body)
    assert status == 422
    assert [e["field"] for e in problem["errors"]] == [field]
    assert reason in problem["errors"][0]["reason"]
    assert session.exec(select(func.count()).select_from(Client)).one() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"number": "   "}, "body.number"),
        ({"number": "A\u0000"}, "body.number"),
        ({"amount_minor": True}, "body.amount_minor"),
        ({"amount_minor": "100"}, "body.amount_minor"),
        ({"amount_minor": 100.0}, "body.amount_minor"),
        ({"client_id": True}, "body.client_id"),
        ({"reference": "a\nb"}, "body.reference"),
    ],
)
def test_hostile_invoice_bodies_are_422_and_store_nothing(
    client: TestClient, keys: Keys, session: Session, change: dict, field: str
) -> None:
    target = make_client(session)
    session.commit()
    body = {
        "number": "INV-1",
        "client_id": target.id,
        "owner_id": keys.owner.id,
        "issue_date": "2026-01-01",
        "currency": "EUR",
        "amount_minor": 10_000,
    } | change
    response = client.post("/api/v1/invoices", json=body, headers=keys.auth("write"))
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert session.exec(select(func.count()).select_from(Invoice)).one() == 0


def test_services_refuse_the_same_text_for_the_cli_and_pages(session: Session) -> None:
    with pytest.raises(InvalidInput, match="name: must not be empty or only spaces"):
        clients.create(session, ClientCreate.model_construct(name="   ", contact_emails=[]))
    created = clients.create(session, ClientCreate(name="  Acme  BV "))
    assert created.name == "Acme BV"


def test_import_names_the_row_and_column_of_a_nul_and_stores_nothing(
    session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "invoices.csv"
    path.write_bytes(
        b"number,client,amount,currency,issue_date,due_date,notes\n"
        b"A-1,Acme,100.00,EUR,2026-01-01,2026-01-31,fine\n"
        b"A-2,Ac\x00me,100.00,EUR,2026-01-01,2026-01-31,ok\n"
        b"A-3,Beta,100.00,EUR,2026-01-01,2026-01-31,\xe2\x80\xaeevil\n"
    )
    options = InvoiceRowOptions(
        default_currency="EUR",
        default_owner="Ann <ann@example.com>",
        default_terms_days=30,
        default_language="en",
        today=date(2026, 3, 1),
    )
    with pytest.raises(ImportRejected) as caught:
        import_invoices(session, path=path, mapping={}, options=options, actor=Actor.system("test"))
    session.rollback()
    found = [(p.line, p.column, p.reason) for p in caught.value.problems]
    assert found == [
        (3, "client", "contains a NUL character"),
        (4, "notes", "contains the bidirectional control character U+202E"),
    ]
    assert session.exec(select(func.count()).select_from(Invoice)).one() == 0
