"""The client page and client editing on the page, the JSON API and in history."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.models import Client, ClientEvent, Invoice
from tests.review.test_pages import client, csrf_of, sign_in, world

__all__ = ["client", "world"]


def _client_id(engine: Engine, invoice_id: int) -> int:
    with Session(engine) as session:
        return session.get_one(Invoice, invoice_id).client_id


def test_the_client_page_shows_invoices_reminders_and_links_from_the_queue(
    client: TestClient, world: dict[str, int], engine: Engine
) -> None:
    client_id = _client_id(engine, world["invoice"])
    sign_in(client, "ann@example.com")
    queue = client.get("/queue").text
    assert f'href="/clients/{client_id}"' in queue
    page = client.get(f"/clients/{client_id}")
    assert page.status_code == 200
    assert "2026-001" in page.text and "€1,234.50" in page.text
    assert "waiting for review" in page.text  # the reminder drafted by the sweep
    assert "&lt;script&gt;" in page.text and "<script>alert" not in page.text


def test_another_owners_client_is_not_found(
    client: TestClient, world: dict[str, int], engine: Engine
) -> None:
    client_id = _client_id(engine, world["invoice"])
    sign_in(client, "bob@example.com")
    assert client.get(f"/clients/{client_id}").status_code == 404
    assert f"/clients/{client_id}" not in client.get("/clients").text


def test_editing_every_field_is_saved_with_history(
    client: TestClient, world: dict[str, int], engine: Engine
) -> None:
    client_id = _client_id(engine, world["invoice"])
    sign_in(client, "ann@example.com")
    form = {
        "csrf": csrf_of(client, f"/clients/{client_id}"),
        "name": "Van Dijk Studio B.V.",
        "contact_emails": "finance@vandijk.example\nap@vandijk.example",
        "language": "nl",
        "country": "nl",
        "timezone": "Europe/Amsterdam",
        "currency": "EUR",
        "default_terms_days": "14",
        "notes": "Pays on the 25th",
    }
    response = client.post(f"/clients/{client_id}/edit", data=form)
    assert response.status_code == 303
    with Session(engine) as session:
        saved = session.get_one(Client, client_id)
        events = session.exec(select(ClientEvent).where(ClientEvent.client_id == client_id)).all()
    assert (saved.language, saved.country, saved.timezone, saved.default_terms_days) == (
        "nl",
        "NL",
        "Europe/Amsterdam",
        14,
    )
    assert saved.contact_emails == ["finance@vandijk.example", "ap@vandijk.example"]
    assert len(events) == 1 and events[0].actor == "user:ann@example.com"
    assert events[0].data["language"] == {"from": "en", "to": "nl"}
    assert "Pays on the 25th" in client.get(f"/clients/{client_id}").text


def test_a_bad_field_is_named_next_to_it_and_what_was_typed_is_kept(
    client: TestClient, world: dict[str, int], engine: Engine
) -> None:
    client_id = _client_id(engine, world["invoice"])
    with Session(engine) as session:
        before = session.get_one(Client, client_id).model_dump()
    sign_in(client, "ann@example.com")
    form = {
        "csrf": csrf_of(client, f"/clients/{client_id}"),
        "name": "Renamed Studio",
        "contact_emails": "ap@vandijk.example",
        "language": "en",
        "timezone": "Mars/Olympus",
        "currency": "EUR",
        "default_terms_days": "30",
    }
    response = client.post(f"/clients/{client_id}/edit", data=form)
    assert response.status_code == 422
    assert 'id="e-timezone"' in response.text and "IANA time zone" in response.text
    assert 'value="Mars/Olympus"' in response.text and 'value="Renamed Studio"' in response.text
    with Session(engine) as session:
        assert session.get_one(Client, client_id).model_dump() == before  # nothing stored


def test_pause_and_resume_from_the_client_page(
    client: TestClient, world: dict[str, int], engine: Engine
) -> None:
    client_id = _client_id(engine, world["invoice"])
    sign_in(client, "ann@example.com")
    csrf = csrf_of(client, f"/clients/{client_id}")
    assert client.post(f"/clients/{client_id}/pause", data={"csrf": csrf}).status_code == 303
    with Session(engine) as session:
        assert session.get_one(Client, client_id).reminders_paused is True
    assert "Resume reminders" in client.get(f"/clients/{client_id}").text
