"""The pages without a browser: sign-in, rate limits, CSRF, redirects, refusals and escaping."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from agent.models import UserRole
from agent.models.draft import Draft
from agent.models.outbox import OutboxMessage
from agent.settings import Settings
from api.app import create_app
from tests.review.helpers import PASSWORD, seed_invoices, seed_owner, sweep

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def world(engine: Engine, settings: Settings) -> dict[str, int]:
    ann = seed_owner(engine, email="ann@example.com")
    bob = seed_owner(engine, email="bob@example.com")
    admin = seed_owner(engine, email="root@example.com", role=UserRole.ADMIN)
    invoice = seed_invoices(engine, owner_id=ann, client_name=HOSTILE)
    sweep(engine, settings)
    with Session(engine) as session:
        draft = session.exec(select(Draft)).one()
    return {"ann": ann, "bob": bob, "admin": admin, "invoice": invoice, "draft": draft.id}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, run_schedule=False), follow_redirects=False) as c:
        yield c


def sign_in(client: TestClient, email: str, password: str = PASSWORD, next: str = "/queue"):
    token = re.findall(r'name="csrf" value="([^"]+)"', client.get("/sign-in").text)[0]
    return client.post(
        "/sign-in", data={"email": email, "password": password, "next": next, "csrf": token}
    )


def csrf_of(client: TestClient, path: str = "/queue") -> str:
    page = client.get(path).text
    return re.findall(r'name="csrf" value="([^"]+)"', page)[0]


def test_strangers_are_sent_to_sign_in_and_back(client: TestClient, world: dict[str, int]) -> None:
    response = client.get(f"/drafts/{world['draft']}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/sign-in?next=/drafts/{world['draft']}"
    signed = sign_in(client, "ann@example.com", next=f"/drafts/{world['draft']}")
    assert signed.headers["location"] == f"/drafts/{world['draft']}"
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
def test_no_open_redirect_after_sign_in(
    client: TestClient, world: dict[str, int], target: str
) -> None:
    assert sign_in(client, "ann@example.com", next=target).headers["location"] == "/queue"


def test_a_sign_in_post_without_the_form_token_is_refused(
    client: TestClient, world: dict[str, int]
) -> None:
    response = client.post("/sign-in", data={"email": "ann@example.com", "password": PASSWORD})
    assert response.status_code == 403
    assert "paytrack_session" not in response.headers.get("set-cookie", "")
    assert client.get("/queue").status_code == 303


def test_sign_in_attempts_are_rate_limited(client: TestClient, world: dict[str, int]) -> None:
    codes = [sign_in(client, "ann@example.com", "wrong password!").status_code for _ in range(5)]
    assert codes == [401] * 5
    assert sign_in(client, "ann@example.com").status_code == 429  # even the right password


def test_the_queue_escapes_hostile_names(client: TestClient, world: dict[str, int]) -> None:
    sign_in(client, "ann@example.com")
    page = client.get("/queue").text
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_posts_without_the_session_csrf_token_are_refused(
    client: TestClient, engine: Engine, world: dict[str, int]
) -> None:
    sign_in(client, "ann@example.com")
    response = client.post(f"/drafts/{world['draft']}/approve", data={"csrf": "forged"})
    assert response.status_code == 403
    with Session(engine) as session:
        assert session.exec(select(OutboxMessage)).all() == []


def test_another_owners_draft_is_not_found_on_the_pages(
    client: TestClient, world: dict[str, int]
) -> None:
    sign_in(client, "bob@example.com")
    token = csrf_of(client)
    assert client.get(f"/drafts/{world['draft']}").status_code == 404
    assert client.get(f"/invoices/{world['invoice']}").status_code == 404
    approve = client.post(f"/drafts/{world['draft']}/approve", data={"csrf": token})
    assert approve.status_code == 404 and f"no draft with id {world['draft']}" in approve.text
    assert client.get("/drafts/999999").status_code == 404


def test_admin_sees_every_queue_and_reassigns_owners(
    client: TestClient, engine: Engine, world: dict[str, int]
) -> None:
    sign_in(client, "root@example.com")
    assert "&lt;script&gt;" in client.get("/queue").text
    token = csrf_of(client, f"/invoices/{world['invoice']}")
    moved = client.post(
        f"/invoices/{world['invoice']}/reassign", data={"csrf": token, "owner_id": world["bob"]}
    )
    assert moved.status_code == 303
    with Session(engine) as session:
        assert session.get_one(Draft, world["draft"]).owner_id == world["bob"]


def test_invoice_actions_write_history(client: TestClient, world: dict[str, int]) -> None:
    sign_in(client, "ann@example.com")
    path = f"/invoices/{world['invoice']}"
    token = csrf_of(client, path)
    client.post(f"{path}/note", data={"csrf": token, "text": "<img src=x onerror=alert(2)>"})
    client.post(f"{path}/payment", data={"csrf": token, "amount": "100.00", "date": "2026-03-04"})
    bad = client.post(
        f"{path}/payment", data={"csrf": token, "amount": "99999", "date": "2026-03-04"}
    )
    page = client.get(path).text
    assert bad.status_code == 422
    assert "payment recorded" in page and "note added" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
