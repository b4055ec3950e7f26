"""The checkpointer shares the ledger's database and its durability settings."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.sqlite import SqliteSaver
from sqlalchemy.engine import Engine

from agent.checkpoint import open_checkpointer

NORMAL = 1


def test_sqlite_checkpoints_sync_like_the_ledger(engine: Engine) -> None:
    """FULL would fsync at every paused thread: a sweep waited on the disk once per draft."""
    if engine.dialect.name != "sqlite":
        pytest.skip("synchronous is a SQLite setting")
    with engine.connect() as connection:
        ledger = connection.exec_driver_sql("PRAGMA synchronous").scalar_one()
    with open_checkpointer(engine) as saver:
        assert isinstance(saver, SqliteSaver)
        checkpoints = saver.conn.execute("PRAGMA synchronous").fetchone()[0]
    assert checkpoints == ledger == NORMAL
