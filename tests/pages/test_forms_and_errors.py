"""Forms keep what was typed; browsers get HTML error pages and every asset; the API keeps JSON."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.models import Payment
from tests.review.test_pages import client, csrf_of, sign_in, world

__all__ = ["client", "world"]
HTML = {"Accept": "text/html,application/xhtml+xml"}


def test_assets_and_favicon_are_served(client: TestClient) -> None:
    for path in (
        "/favicon.ico",
        "/static/favicon.svg",
        "/static/paytrack.css",
        "/static/paytrack.js",
    ):
        assert client.get(path).status_code == 200, path
    assert client.get("/static/secrets.txt").status_code == 404


def test_a_bad_page_address_answers_with_a_page_and_the_api_with_a_problem(
    client: TestClient, world: dict[str, int]
) -> None:
    sign_in(client, "ann@example.com")
    page = client.get("/invoices/abc", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "not valid" in page.text and "Back to the queue" in page.text
    missing = client.get("/no/such/page", headers=HTML)
    assert missing.status_code == 404 and "there is no page at this address" in missing.text
    api = client.get("/api/v1/invoices/abc", headers=HTML)
    assert api.headers["content-type"].startswith("application/problem+json")


def test_a_decimal_comma_is_read_in_the_viewers_locale(
    client: TestClient, world: dict[str, int], engine: Engine
) -> None:
    sign_in(client, "ann@example.com")
    path = f"/invoices/{world['invoice']}"
    form = {"csrf": csrf_of(client, path), "amount": "250,50", "date": "2026-03-04"}
    response = client.post(f"{path}/payment", data=form, headers={"Accept-Language": "sv-SE"})
    assert response.status_code == 303
    with Session(engine) as session:
        assert [p.amount_minor for p in session.exec(select(Payment))] == [25_050]


def test_a_refused_payment_shows_the_error_by_the_field_and_keeps_the_values(
    client: TestClient, world: dict[str, int], engine: Engine
) -> None:
    sign_in(client, "ann@example.com")
    path = f"/invoices/{world['invoice']}"
    form = {
        "csrf": csrf_of(client, path),
        "amount": "99999,00",
        "date": "2026-03-04",
        "reference": "bank 42",
    }
    response = client.post(f"{path}/payment", data=form, headers={"Accept-Language": "nl"})
    assert response.status_code == 422
    assert 'value="99999,00"' in response.text and 'value="bank 42"' in response.text
    assert 'class="field-error"' in response.text
    with Session(engine) as session:
        assert session.exec(select(Payment)).all() == []


def test_a_wrong_password_keeps_where_the_user_was_going(
    client: TestClient, world: dict[str, int]
) -> None:
    target = f"/drafts/{world['draft']}"
    refused = sign_in(client, "ann@example.com", password="wrong", next=target)
    assert refused.status_code == 401
    assert f'name="next" value="{target}"' in refused.text
