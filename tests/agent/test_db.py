"""Engines: the settings every PostgreSQL connection starts with."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from agent.db import make_engine
from tests.conftest import POSTGRES_URL


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PAYTRACK_TEST_DATABASE_URL")
def test_postgresql_connections_wait_out_locks_and_skip_jit() -> None:
    engine = make_engine(POSTGRES_URL, busy_timeout_seconds=2.5)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW lock_timeout")).scalar() == "2500ms"
            assert connection.execute(text("SHOW jit")).scalar() == "off"
    finally:
        engine.dispose()
