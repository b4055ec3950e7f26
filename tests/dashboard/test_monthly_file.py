"""``paytrack report monthly`` writes one self-contained file that chromium renders with charts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from agent.cli.app import app
from agent.db import session_scope
from tests.dashboard.ledger import small_ledger
from tests.live import CHROMIUM, chromium

runner = CliRunner()


@pytest.fixture
def review_file(engine: Engine, cli_env: dict[str, str], tmp_path: Path) -> Path:
    with session_scope(engine) as session:
        small_ledger(session)
    out = tmp_path / "review.html"
    result = runner.invoke(
        app, ["report", "monthly", "--month", "2026-03", "--out", str(out), "--as-of", "2026-03-11"]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote the 2026-03 review" in result.output
    return out


def test_the_file_stands_alone(review_file: Path) -> None:
    html = review_file.read_text()
    assert "<style>" in html and "<svg" in html
    # Nothing is fetched: no stylesheet links, scripts, images or external URLs.
    assert not re.search(r"<link|<script|<img|src=|href=\"http", html)
    assert "Monthly review: 2026-03" in html


def test_a_bad_month_is_a_clear_error(cli_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "x.html"
    result = runner.invoke(app, ["report", "monthly", "--month", "03/2026", "--out", str(out)])
    assert result.exit_code == 2
    assert "month must look like YYYY-MM" in result.output
    assert not out.exists()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    with chromium() as launched:
        yield launched


def test_chromium_renders_the_charts(browser: object, review_file: Path, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(review_file.as_uri())
    shot = tmp_path / "review.png"
    page.screenshot(path=str(shot), full_page=True)
    charts = page.locator("svg.chart")
    assert charts.count() == 2  # the collection trend for EUR and for USD
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50
    lines = page.locator("svg.chart polyline")
    assert lines.count() >= 2
    assert any(
        (lines.nth(i).bounding_box() or {}).get("width", 0) > 0 for i in range(lines.count())
    )
    assert shot.stat().st_size > 10_000
    assert requests == [review_file.as_uri()]  # nothing else was fetched
    page.close()
