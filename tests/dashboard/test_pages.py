"""The dashboard pages over HTTP: the page's numbers equal the JSON API's, CSV, escaping, access."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from agent.db import session_scope
from agent.models import Client
from agent.services.access import api_keys, users
from agent.settings import Settings
from api.app import create_app
from tests.dashboard.ledger import AS_OF, small_ledger
from tests.factories import make_client, make_invoice

PASSWORD = "correct horse battery"
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def token(engine: Engine) -> str:
    with session_scope(engine) as session:
        small = small_ledger(session)
        users.set_password(session, user_id=small.ann.id, password=PASSWORD)
        hostile = make_client(session, name=HOSTILE)
        make_invoice(session, client=hostile, owner=small.ann, number="H-1", amount_minor=700)
        # Ann owns a USD invoice too, so her pages have both currencies (G-1 is Bob's).
        globex = small.usd.client_id
        make_invoice(
            session,
            client=session.get_one(Client, globex),
            owner=small.ann,
            number="U-1",
            amount_minor=1_000,
            issue_date=date(2026, 2, 10),
            due_date=date(2026, 3, 12),
        )
        return api_keys.create(session, user_id=small.ann.id, scopes=["read"], name="t").token


@pytest.fixture
def client(settings: Settings, token: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings, run_schedule=False), follow_redirects=False) as c:
        yield c


def sign_in(client: TestClient) -> None:
    form = client.get("/sign-in").text
    csrf = re.findall(r'name="csrf" value="([^"]+)"', form)[0]
    response = client.post(
        "/sign-in", data={"email": "ann@example.com", "password": PASSWORD, "csrf": csrf}
    )
    assert response.status_code == 303


def figures(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([^"]+)" data-value="([^"]*)"', page))


def test_strangers_are_sent_to_sign_in(client: TestClient) -> None:
    response = client.get("/dashboard")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in?next=/dashboard")


def test_the_page_shows_the_apis_numbers(client: TestClient, token: str) -> None:
    sign_in(client)
    shown: dict[str, str] = {}
    for currency in ("EUR", "USD"):  # charts and their tables are drawn one currency at a time
        page = client.get(f"/dashboard?as_of={AS_OF}&currency={currency}")
        assert page.status_code == 200
        shown.update(figures(page.text))
    api = {"Authorization": f"Bearer {token}"}
    kpis = client.get(f"/api/v1/reports/kpis?as_of={AS_OF}", headers=api).json()
    aging = client.get(f"/api/v1/reports/aging?as_of={AS_OF}", headers=api).json()
    cash = client.get(f"/api/v1/reports/expected-cash?as_of={AS_OF}&weeks=8", headers=api).json()
    compared = 0
    for k in kpis["currencies"]:
        for name in ("outstanding_minor", "open_count", "overdue_minor", "disputed_minor"):
            assert shown[f"{k['currency']}.{name}"] == str(k[name])
            compared += 1
        assert float(shown[f"{k['currency']}.dso_days"]) == pytest.approx(k["dso_days"])
    for block in aging["currencies"]:
        for bucket, total in block["total"]["buckets"].items():
            assert shown[f"{block['currency']}.aging.{bucket}"] == str(total["outstanding_minor"])
            compared += 1
    for block in cash["currencies"]:
        for week in block["weeks"]:
            key = f"{block['currency']}.expected.{week['week_start']}"
            assert shown[key] == str(week["expected_minor"])
            compared += 1
    assert compared == 2 * 4 + 2 * 5 + 2 * 8
    assert shown["EUR.outstanding_minor"] == "10700"  # Ann's 100 + the hostile 7.00


def test_the_dashboard_draws_its_charts_and_escapes_names(client: TestClient) -> None:
    sign_in(client)
    page = client.get(f"/dashboard?as_of={AS_OF}").text
    # EUR has the most open invoices: its aging, cash and trend charts are drawn.
    assert page.count('<svg class="chart') == 3
    assert "Outstanding by days overdue (EUR)" in page
    assert 'href="/dashboard?as_of=2026-03-11&amp;currency=USD"' in page
    usd = client.get(f"/dashboard?as_of={AS_OF}&currency=usd").text
    assert "Outstanding by days overdue (USD)" in usd and "(EUR)</title>" not in usd
    assert 'class="interval"' in page and 'class="received"' in page
    assert HOSTILE not in page
    table = client.get("/dashboard/invoices?as_of=2026-03-11&group=client").text
    assert HOSTILE not in table and "&lt;script&gt;alert(1)&lt;/script&gt;" in table


def test_table_filters_and_exports_what_is_shown(client: TestClient) -> None:
    sign_in(client)
    query = f"as_of={AS_OF}&status=open&sort=amount&order=desc"
    page = client.get(f"/dashboard/invoices?{query}").text
    shown = re.findall(r'<a href="/invoices/\d+">([^<]+)</a>', page)
    # Ann's only (A-2 and G-1 are Bob's); EUR by amount, then USD: never ranked together.
    assert shown == ["A-1", "H-1", "U-1"]
    assert f'href="/dashboard/invoices?{query.replace("&", "&amp;")}&amp;format=csv"' in page
    export = client.get(f"/dashboard/invoices?{query}&format=csv")
    assert export.headers["content-type"].startswith("text/csv")
    assert [r["number"] for r in csv.DictReader(io.StringIO(export.text))] == shown


def test_bad_parameters_answer_with_a_page_naming_them(client: TestClient) -> None:
    sign_in(client)
    response = client.get("/dashboard/invoices?sort=price")
    assert response.status_code == 422 and "sort must be one of" in response.text
    assert client.get("/dashboard?as_of=yesterday").status_code == 422
    assert client.get("/dashboard/monthly?month=2026-13").status_code == 422


def test_monthly_page_and_download(client: TestClient) -> None:
    sign_in(client)
    page = client.get("/dashboard/monthly?month=2026-03&as_of=2026-03-11")
    assert page.status_code == 200 and "Monthly review: 2026-03" in page.text
    assert 'href="/static/paytrack.css"' in page.text
    download = client.get("/dashboard/monthly/2026-03.html?as_of=2026-03-11")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    assert "<style>" in download.text and "/static/" not in download.text
    assert "Monthly review: 2026-03" in download.text
