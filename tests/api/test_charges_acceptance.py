"""Issue 16's acceptance: clients SE, NL and GB over the API, rates set with the CLI, charges
shown by the CLI equal to hand-worked figures, and the next firm reminder of a ``claim`` client
states exactly those amounts (and passes the guardrails), a ``mention`` client's no amounts,
an ``off`` client's nothing of charges."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from agent.cli.app import app as cli
from agent.models.draft import Draft, DraftInvoice
from agent.models.invoice import Invoice
from agent.money import format_for_locale
from agent.services.ledger.payment_references import grouped, ocr_for, rf_for
from tests.api.conftest import Keys

runner = CliRunner()
AS_OF = "2026-07-10"

# Hand-worked, all due 20 June 2026, as of 10 July 2026 (21 June–10 July = 20 days):
# SE 10 000.00 SEK, Riksbank 2.00 in both halves (H2 set below) → 10.00 %:
#   1 000 000 × 10.00 × 20 / 36 500 = 5 479.45 → 54.79 SEK; förseningsersättning 450 SEK.
# NL 5 000.00 EUR, 2 000.00 paid 25 June; ECB 2.15 (H1) then 2.00 (H2, set below):
#   (500 000 × 5 × 10.15 + 300 000 × 5 × 10.15 + 300 000 × 10 × 10.00) / 36 500
#   = 70 600 000 / 36 500 = 1 934.25 → 19.34 EUR; compensation 40 EUR.
# GB £2,500.00: interest starts 21 June (H1 2026) → Bank Rate on 31 Dec 2025, 3.75 + 8 = 11.75 %
#   for the whole debt: 250 000 × 11.75 × 20 / 36 500 = 1 609.59 → £16.10; £70 (≥ £1,000).
EXPECTED = {
    "SE-1": ("SEK", "10.00", 5_479, 45_000),
    "NL-1": ("EUR", "10.00", 1_934, 4_000),
    "GB-1": ("GBP", "11.75", 1_610, 7_000),
}


def create(client: TestClient, keys: Keys, path: str, body: dict[str, object]) -> int:
    response = client.post(f"/api/v1/{path}", json=body, headers=keys.auth("write"))
    assert response.status_code == 201, response.text
    if path == "payments":
        return int(response.json()["payment"]["id"])
    return int(response.json()["id"])


def set_up_ledger(client: TestClient, keys: Keys) -> None:
    for name, country, language, currency, policy, number, amount in (
        ("Bygg AB", "SE", "sv", "SEK", "claim", "SE-1", 1_000_000),
        ("Handel BV", "NL", "nl", "EUR", "mention", "NL-1", 500_000),
        ("Shop Ltd", "GB", "en", "GBP", "off", "GB-1", 250_000),
    ):
        client_id = create(
            client,
            keys,
            "clients",
            {
                "name": name,
                "country": country,
                "language": language,
                "currency": currency,
                "contact_emails": [f"ap@{country.lower()}.example"],
            },
        )
        patched = client.patch(
            f"/api/v1/clients/{client_id}",
            json={"late_charges": policy},
            headers=keys.auth("write"),
        )
        assert patched.status_code == 200, patched.text
        invoice_id = create(
            client,
            keys,
            "invoices",
            {
                "number": number,
                "client_id": client_id,
                "owner_id": keys.owner.id,
                "issue_date": "2026-05-21",
                "due_date": "2026-06-20",
                "currency": currency,
                "amount_minor": amount,
            },
        )
        if number == "NL-1":
            create(
                client,
                keys,
                "payments",
                {
                    "invoice_id": invoice_id,
                    "amount": "2000.00",
                    "currency": "EUR",
                    "payment_date": "2026-06-25",
                },
            )


def draft_of(engine: Engine, number: str) -> Draft:
    with Session(engine) as session:
        draft = session.exec(
            select(Draft)
            .join(DraftInvoice, col(DraftInvoice.draft_id) == Draft.id)
            .join(Invoice, col(Invoice.id) == DraftInvoice.invoice_id)
            .where(Invoice.number == number)
        ).one()
        assert draft.tone == "firm", draft.tone_reason
        assert draft.drafter == "template" and draft.fallback_reason is None
        return draft


def draft_body(engine: Engine, number: str) -> str:
    return draft_of(engine, number).body


def test_charges_end_to_end(
    client: TestClient,
    keys: Keys,
    cli_env: dict[str, str],
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_up_ledger(client, keys)
    for jurisdiction in ("SE", "EU"):
        rate = runner.invoke(
            cli,
            [
                *("rates", "set", "--jurisdiction", jurisdiction, "--from", "2026-07-01"),
                *("--rate", "2.00", "--source", "test"),
            ],
        )
        assert rate.exit_code == 0, rate.output
    for number, (currency, rate_percent, interest, compensation) in EXPECTED.items():
        shown = runner.invoke(cli, ["charges", "show", number, "--as-of", AS_OF, "--json"])
        assert shown.exit_code == 0, shown.output
        body = json.loads(shown.output)
        assert (
            body["currency"],
            body["rate_percent"],
            body["days"],
            body["interest_minor"],
            body["compensation_minor"],
            body["reminder_fee_minor"],
        ) == (currency, rate_percent, 20, interest, compensation, 0)

    monkeypatch.setenv("PAYTRACK_PAYEE_IBAN", "SE45 5000 0000 0583 9825 7466")
    monkeypatch.setenv("PAYTRACK_PAYEE_BANKGIRO", "5050-1055")
    swept = runner.invoke(cli, ["monitor", "run", "--as-of", AS_OF, "--no-score", "--json"])
    assert swept.exit_code == 0, swept.output

    claimed = draft_body(engine, "SE-1")
    for amount in (5_479, 45_000):
        assert format_for_locale(amount, "SEK", "sv_SE") in claimed
    assert "dröjsmålsränta (10,00 % per år)" in claimed
    assert f"OCR/referens för faktura SE-1: {ocr_for(1)}" in claimed  # SEK to a bankgiro
    assert f"Betalingskenmerk voor factuur NL-1: {grouped(rf_for(2, 'NL-1'))}" in draft_body(
        engine, "NL-1"
    )

    mentioned = draft_body(engine, "NL-1").lower()
    assert "rente" in mentioned
    for amount in (1_934, 4_000):
        assert format_for_locale(amount, "EUR", "nl_NL") not in mentioned

    silent = draft_body(engine, "GB-1").lower()
    for word in ("interest", "compensation", "charge", "fee"):
        assert word not in silent


def test_an_approved_claim_becomes_entries_that_payments_settle_in_order(
    client: TestClient, keys: Keys, cli_env: dict[str, str], engine: Engine
) -> None:
    set_up_ledger(client, keys)
    for jurisdiction in ("SE", "EU"):
        runner.invoke(
            cli,
            [
                *("rates", "set", "--jurisdiction", jurisdiction, "--from", "2026-07-01"),
                *("--rate", "2.00"),
            ],
        )
    assert runner.invoke(cli, ["monitor", "run", "--as-of", AS_OF, "--no-score"]).exit_code == 0
    for number in ("SE-1", "NL-1"):
        draft = draft_of(engine, number)
        approved = client.post(
            f"/api/v1/drafts/{draft.id}/approve", json={}, headers=keys.auth("approve")
        )
        assert approved.status_code == 200, approved.text
    se = client.get("/api/v1/invoices?client_id=1", headers=keys.auth("read")).json()["items"][0]
    assert (se["number"], se["amount_minor"]) == ("SE-1", 1_000_000)  # never changes
    claimed = client.get(f"/api/v1/invoices/{se['id']}/charges/claimed", headers=keys.auth("read"))
    assert [(c["kind"], c["amount_minor"]) for c in claimed.json()] == [
        ("compensation", 45_000),
        ("interest", 5_479),
    ]
    nl = client.get("/api/v1/invoices?client_id=2", headers=keys.auth("read")).json()["items"][0]
    assert (
        client.get(f"/api/v1/invoices/{nl['id']}/charges/claimed", headers=keys.auth("read")).json()
        == []
    )  # a mention client is never charged

    url = f"/api/v1/invoices/{se['id']}/charges/payments"
    paid = {"amount": "10500.00", "currency": "SEK", "payment_date": "2026-07-20"}
    settled = client.post(url, json=paid | {"external_id": "bank-1"}, headers=keys.auth("write"))
    assert settled.status_code == 201, settled.text
    # 10 000.00 to the invoice, then 450.00 compensation, then 50.00 of the 54.79 interest.
    assert settled.json() == {
        "invoice_minor": 1_000_000,
        "charges_minor": {"compensation": 45_000, "interest": 5_000},
        "invoice_balance_minor": 0,
        "charges_outstanding_minor": 479,
    }
    again = client.post(url, json=paid | {"external_id": "bank-1"}, headers=keys.auth("write"))
    assert again.json()["charges_outstanding_minor"] == 479  # the same bank line counts once
    too_much = client.post(
        url, json={"amount": "4.80", "currency": "SEK"}, headers=keys.auth("write")
    )
    assert too_much.status_code == 422
    assert too_much.json()["field"] == "amount"
    events = client.get(f"/api/v1/invoices/{se['id']}/events", headers=keys.auth("read")).json()
    kinds = [e["kind"] for e in events]
    assert "charges_claimed" in kinds and "charges_paid" in kinds
