"""The access rule on the pages: two owners and an admin, each signed in.

An owner's invoice table, its CSV export, dashboard and monthly review hold only that owner's
invoices; the admin's hold everyone's; another owner's invoice page is not found.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from agent.db import session_scope
from agent.models import UserRole
from agent.services.access import users
from agent.settings import Settings
from api.app import create_app
from tests.dashboard.ledger import AS_OF, small_ledger
from tests.factories import make_user

PASSWORD = "correct horse battery"
EMAILS = {"ann": "ann@example.com", "bob": "bob@example.com", "ada": "ada@example.com"}


@pytest.fixture
def world(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        small = small_ledger(session)
        ada = make_user(session, name="Ada", email=EMAILS["ada"], role=UserRole.ADMIN)
        for user in (small.ann, small.bob, ada):
            users.set_password(session, user_id=user.id, password=PASSWORD)
        return {"ann_invoice": small.late.id, "bob_invoice": small.soon.id}


@pytest.fixture
def app_settings(settings: Settings, world: dict[str, int]) -> Settings:
    return settings


def _signed_in(settings: Settings, who: str) -> TestClient:
    client = TestClient(create_app(settings, run_schedule=False), follow_redirects=False)
    form = client.get("/sign-in").text
    csrf = re.findall(r'name="csrf" value="([^"]+)"', form)[0]
    response = client.post(
        "/sign-in", data={"email": EMAILS[who], "password": PASSWORD, "csrf": csrf}
    )
    assert response.status_code == 303
    return client


@pytest.fixture
def clients(app_settings: Settings) -> Iterator[dict[str, TestClient]]:
    made = {who: _signed_in(app_settings, who) for who in EMAILS}
    yield made
    for client in made.values():
        client.close()


def _table(client: TestClient) -> list[str]:
    page = client.get(f"/dashboard/invoices?as_of={AS_OF}").text
    return sorted(re.findall(r'<a href="/invoices/\d+">([^<]+)</a>', page))


def _csv(client: TestClient) -> list[str]:
    export = client.get(f"/dashboard/invoices?as_of={AS_OF}&format=csv").text
    return sorted(r["number"] for r in csv.DictReader(io.StringIO(export)))


def _figures(client: TestClient, path: str) -> dict[str, str]:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return dict(re.findall(r'data-figure="([^"]+)" data-value="([^"]*)"', page.text))


def test_each_owner_sees_only_their_invoices(clients: dict[str, TestClient]) -> None:
    assert _table(clients["ann"]) == _csv(clients["ann"]) == ["A-1", "A-3"]
    assert _table(clients["bob"]) == _csv(clients["bob"]) == ["A-2", "G-1"]
    assert _table(clients["ada"]) == _csv(clients["ada"]) == ["A-1", "A-2", "A-3", "G-1"]


def test_dashboards_split_the_admins_figures(clients: dict[str, TestClient]) -> None:
    path = f"/dashboard?as_of={AS_OF}&currency=EUR"
    ann, bob, ada = (_figures(clients[who], path) for who in ("ann", "bob", "ada"))
    key = "EUR.outstanding_minor"
    assert (int(ann[key]), int(bob[key])) == (10_000, 5_000)
    assert int(ada[key]) == int(ann[key]) + int(bob[key])
    usd = f"/dashboard?as_of={AS_OF}&currency=USD"
    assert "USD.outstanding_minor" not in _figures(clients["ann"], usd)


def test_monthly_reviews_hold_only_the_owners_invoices(clients: dict[str, TestClient]) -> None:
    path = "/dashboard/monthly?month=2026-03&as_of=2026-03-31"
    pages = {who: clients[who].get(path) for who in clients}
    assert all(page.status_code == 200 for page in pages.values())
    # A-3 (Ann's, Acme) was settled late in March; Bob's March holds no settled invoice.
    assert "Acme BV" in pages["ann"].text and "Acme BV" in pages["ada"].text
    assert "Acme BV" not in pages["bob"].text


def test_another_owners_invoice_page_is_not_found(
    clients: dict[str, TestClient], world: dict[str, int]
) -> None:
    assert clients["ann"].get(f"/invoices/{world['bob_invoice']}").status_code == 404
    assert clients["bob"].get(f"/invoices/{world['bob_invoice']}").status_code == 200
    assert clients["ada"].get(f"/invoices/{world['ann_invoice']}").status_code == 200
