"""The background checkpointer moves committed pages into the database file on its own."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import Engine

from agent.db import make_engine
from agent.wal_checkpoints import WalCheckpointer


def _in_database_file(path: Path) -> list[int]:
    """The rows the database file itself holds, the write-ahead log ignored."""
    with closing(sqlite3.connect(f"file:{path}?immutable=1", uri=True)) as reader:
        try:
            return [x for (x,) in reader.execute("SELECT x FROM t ORDER BY x")]
        except sqlite3.OperationalError:  # the table itself is still only in the log
            return []


def _commit(engine: Engine, statement: str) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(statement)


def test_commits_leave_the_checkpoints_to_the_thread(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    engine = make_engine(f"sqlite:///{path}")
    checkpointer = WalCheckpointer(engine, interval=0.05)
    checkpointer.start()
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        _commit(engine, "CREATE TABLE t (x INTEGER)")
        _commit(engine, "INSERT INTO t VALUES (1)")
        deadline = time.monotonic() + 10
        while _in_database_file(path) != [1] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _in_database_file(path) == [1]
    finally:
        checkpointer.stop()
        engine.dispose()


def test_stopping_checkpoints_what_is_left(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    engine = make_engine(f"sqlite:///{path}")
    checkpointer = WalCheckpointer(engine, interval=3600)
    checkpointer.start()
    _commit(engine, "CREATE TABLE t (x INTEGER)")
    _commit(engine, "INSERT INTO t VALUES (2)")
    assert _in_database_file(path) == []
    checkpointer.stop()
    assert _in_database_file(path) == [2]
    engine.dispose()
