"""Acceptance: the pages on the demo ledger in headless Debian chromium, as an owner and the admin.

At 390 px no page scrolls sideways; the queue is filtered, sorted and worked with the keyboard
alone; the dashboard's per-owner counts equal the rows the pages they link to show; the CSV of
the whole invoice table has one row per invoice and numeric amounts; no response is a 5xx and
none of the page's own assets is missing. Screenshots of every page at both widths are kept in
``tests/artifacts/pages`` (git-ignored).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from agent.db import make_engine, session_scope
from agent.demo import ledger as demo_ledger
from agent.demo import reminder_history
from agent.models import Invoice, Lifecycle, User, UserRole
from agent.models.draft import Draft, DraftInvoice, DraftStatus
from agent.runtime import score_then_sweep
from agent.schema import upgrade
from agent.services.access import users
from agent.services.scoring import risk_scoring
from agent.settings import Settings
from api.app import create_app
from tests.live import chromium, needs_chromium, served

ARTIFACTS = Path(__file__).parent.parent / "artifacts" / "pages"
PASSWORD = "paytrack-demo"
PHONE, DESKTOP = 390, 1280
pytestmark = needs_chromium


@dataclass
class Demo:
    url: str
    engine: Engine
    admin: str
    owner: str
    owner_id: int
    invoices: int
    bad: list[str] = field(default_factory=list)


def _prepare(engine: Engine, settings: Settings, today: date) -> tuple[str, str, int]:
    demo_ledger.generate_ledger(engine, invoices=1_200, seed=7, end_date=today)
    reminder_history.add_reminder_history(engine, seed=7, end_date=today)
    with session_scope(engine) as session:
        people = users.list_users(session)
        for person in people:
            users.set_password(session, user_id=person.id, password=PASSWORD)
        risk_scoring.train(session, settings=settings)
    score_then_sweep(engine, settings, as_of=today)
    with Session(engine) as session:
        admin = session.exec(select(User).where(User.role == UserRole.ADMIN)).first()
        busiest = session.exec(
            select(User.id, User.email, func.count())
            .join(Draft, col(Draft.owner_id) == User.id)
            .where(User.role == UserRole.OWNER, Draft.status == DraftStatus.PENDING_REVIEW)
            .group_by(col(User.id), User.email)
            .order_by(func.count().desc())
        ).first()
    assert admin is not None and busiest is not None
    return admin.email, busiest[1], busiest[0]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'paytrack.db'}"
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings(database_url=url, data_dir=folder / "data", openai_api_key="")
    admin, owner, owner_id = _prepare(engine, settings, date.today())
    with Session(engine) as session:
        count = session.exec(
            select(func.count()).select_from(Invoice).where(Invoice.lifecycle != Lifecycle.DRAFT)
        ).one()
    with served(create_app(settings, run_schedule=False)) as base:
        yield Demo(base, engine, admin, owner, owner_id, int(count))
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _watch(page: Any, demo: Demo) -> None:
    """Every 5xx, and every 404 for the pages' own files, lands in ``demo.bad``."""

    def check(response: Any) -> None:
        path = response.url.removeprefix(demo.url)
        own_asset = path.startswith(("/static/", "/favicon"))
        if response.status >= 500 or (own_asset and response.status == 404):
            demo.bad.append(f"{response.status} {path}")

    page.on("response", check)


@pytest.fixture
def signed_in(browser: Any, demo: Demo) -> Iterator[Any]:
    """A function (email, width) -> a signed-in page at that width."""
    contexts: list[Any] = []

    def open_as(email: str, width: int) -> Any:
        context = browser.new_context(
            base_url=demo.url, viewport={"width": width, "height": 900}, locale="en-GB"
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        _watch(page, demo)
        page.goto("/queue")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/queue")
        return page

    yield open_as
    for context in contexts:
        context.close()


def _targets(demo: Demo, owner_id: int | None) -> dict[str, str]:
    """One of each page the viewer may open: a draft, an invoice and a client of theirs."""
    with Session(demo.engine) as session:
        query = select(Draft.id, DraftInvoice.invoice_id, Draft.client_id).join(
            DraftInvoice, col(DraftInvoice.draft_id) == Draft.id
        )
        query = query.where(Draft.status == DraftStatus.PENDING_REVIEW)
        if owner_id is not None:
            query = query.where(Draft.owner_id == owner_id)
        found = session.exec(query.order_by(col(Draft.id))).first()
    assert found is not None
    draft_id, invoice_id, client_id = found
    return {
        "queue": "/queue",
        "draft": f"/drafts/{draft_id}",
        "invoice": f"/invoices/{invoice_id}",
        "client": f"/clients/{client_id}",
        "dashboard": "/dashboard",
        "invoice-table": "/dashboard/invoices",
        "tasks": "/tasks",
        "notifications": "/notifications",
        "monthly": "/dashboard/monthly",
    }


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_no_page_scrolls_sideways_on_a_phone_and_each_is_kept_as_a_screenshot(
    signed_in: Any, demo: Demo, role: str
) -> None:
    email = demo.owner if role == "owner" else demo.admin
    targets = _targets(demo, demo.owner_id if role == "owner" else None)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in (PHONE, DESKTOP):
        page = signed_in(email, width)
        for name, path in targets.items():
            response = page.goto(path)
            assert response.status == 200, (path, response.status)
            widths = page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]"
            )
            assert widths[0] <= widths[1], f"{path} is {widths[0]} px wide at {width} px"
            shot = ARTIFACTS / f"{role}-{name}-{width}.png"
            tall = page.evaluate("() => document.documentElement.scrollHeight") > 12_000
            page.screenshot(path=str(shot), full_page=not tall, timeout=60_000)
    print(f"screenshots in {ARTIFACTS}")
    assert demo.bad == []


def _total(page: Any, selector: str) -> int:
    return int(page.get_attribute(selector, "data-total"))


def test_dashboard_counts_equal_the_rows_their_links_open(signed_in: Any, demo: Demo) -> None:
    page = signed_in(demo.admin, DESKTOP)
    page.goto("/dashboard")
    links = page.eval_on_selector_all(
        "a.count-link", "els => els.map(a => [a.getAttribute('href'), a.textContent.trim()])"
    )
    assert len(links) >= 10
    counted = {"/dashboard/invoices": "#count", "/queue": "#queue-count", "/tasks": "#task-count"}
    for href, shown in links:
        response = page.goto(href)
        assert response.status == 200, (href, page.locator("main").inner_text()[:300])
        selector = counted[href.split("?")[0]]
        assert _total(page, selector) == int(shown.replace(",", "")), href
    assert demo.bad == []


def _keys(page: Any, *keys: str) -> None:
    for key in keys:
        page.keyboard.press(key)


def _tab_to(page: Any, element_id: str) -> None:
    for _ in range(30):
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} cannot be reached with Tab")


def test_the_queue_is_filtered_sorted_and_worked_with_the_keyboard(
    signed_in: Any, demo: Demo
) -> None:
    page = signed_in(demo.admin, DESKTOP)
    page.goto("/queue")
    everything = _total(page, "#queue-count")
    assert everything >= 3
    first_client = page.locator("section.draft .client-name").first.inner_text()

    _keys(page, "/")
    page.keyboard.type(first_client)
    _keys(page, "Enter")
    page.wait_for_url("**q=*")
    names = page.locator("section.draft .client-name").all_inner_texts()
    assert names, (page.url, page.locator("main").inner_text()[:500])
    assert all(first_client.casefold() in n.casefold() for n in names)
    assert _total(page, "#queue-count") == len(names) < everything

    page.goto("/queue")
    _keys(page, "/")
    _tab_to(page, "f-sort")
    _keys(page, "ArrowDown")  # send time -> amount (per currency)
    _tab_to(page, "apply")
    _keys(page, "Enter")
    page.wait_for_url("**sort=amount*")
    amounts = page.eval_on_selector_all(
        "section.draft",
        "els => els.map(e => e.querySelector('.amount').textContent.trim())",
    )
    assert len(amounts) == min(everything, 25)

    _keys(page, "?")
    assert page.locator("#shortcuts").evaluate("d => d.open")
    _keys(page, "Escape")
    _keys(page, "j", "j")
    current = page.locator("section.draft.current")
    draft_id = current.get_attribute("data-id")
    _keys(page, "a")
    page.wait_for_url("**notice=approved*")
    with Session(demo.engine) as session:
        assert session.get_one(Draft, int(draft_id)).status == DraftStatus.APPROVED
    assert _total(page, "#queue-count") == everything - 1

    _keys(page, "j", "r")
    page.wait_for_url("**/drafts/*?focus=reason")
    assert page.evaluate("() => document.activeElement.id") == "reason"
    page.keyboard.type("client phoned, pays Friday")
    _keys(page, "Enter")
    page.wait_for_url("**notice=rejected*")
    assert _total(page, "#queue-count") == everything - 2
    assert demo.bad == []


def test_the_csv_export_has_every_invoice_with_numeric_amounts(signed_in: Any, demo: Demo) -> None:
    page = signed_in(demo.admin, DESKTOP)
    page.goto("/dashboard/invoices")
    assert _total(page, "#count") == demo.invoices > 500
    href = page.get_attribute("#csv", "href")
    response = page.request.get(href)
    assert response.status == 200
    rows = list(csv.DictReader(io.StringIO(response.text())))
    assert len(rows) == demo.invoices
    assert len({r["number"] for r in rows}) == demo.invoices
    for row in rows:
        assert Decimal(row["amount"]) > 0 and Decimal(row["outstanding"]) >= 0
        assert len(row["currency"]) == 3 and row["currency"].isupper()
    xlsx = page.request.get(page.get_attribute("#xlsx", "href"))
    assert xlsx.status == 200 and xlsx.body()[:2] == b"PK"
    assert demo.bad == []
