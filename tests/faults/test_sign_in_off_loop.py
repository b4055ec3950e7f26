"""Password hashing never blocks the server: /healthz answers while a sign-in is hashing."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from agent.db import session_scope
from agent.services.access import users
from agent.settings import Settings
from api.app import create_app
from tests.factories import make_user
from tests.live import served


def test_healthz_answers_while_a_sign_in_is_still_hashing(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(engine) as session:
        ann = make_user(session, email="ann@example.com")
        users.set_password(session, user_id=ann.id, password="correct horse battery")
    hashing, release = threading.Event(), threading.Event()
    real_verify = users.verify_password

    def slow_verify(*args: Any, **kwargs: Any) -> bool:
        hashing.set()
        assert release.wait(timeout=30)
        return real_verify(*args, **kwargs)

    monkeypatch.setattr(users, "verify_password", slow_verify)
    app = create_app(settings, run_schedule=False)
    with served(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        form = http.get("/sign-in").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        data = {"email": "ann@example.com", "password": "correct horse battery", "csrf": csrf}
        with ThreadPoolExecutor(max_workers=1) as pool:
            signing_in = pool.submit(http.post, "/sign-in", data=data)
            assert hashing.wait(timeout=30)
            try:
                health = httpx.get(f"{base}/healthz", timeout=5)
            finally:
                release.set()
            signed = signing_in.result(timeout=30)
    assert health.status_code == 200
    assert signed.status_code == 303
