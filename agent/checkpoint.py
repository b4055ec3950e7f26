"""The LangGraph checkpointer, kept in the same database as the ledger."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from langgraph.checkpoint.base import BaseCheckpointSaver
from sqlalchemy.engine import Engine

_SETUP_LOCK = 0x7061797472  # "paytr"


@contextmanager
def open_checkpointer(engine: Engine) -> Iterator[BaseCheckpointSaver]:
    """A SqliteSaver on the ledger's SQLite file, or a PostgresSaver on its PostgreSQL."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        from langgraph.checkpoint.sqlite import SqliteSaver

        connection = sqlite3.connect(
            url.database or ":memory:", check_same_thread=False, timeout=30
        )
        # As the ledger's own connections (``agent.db``): with WAL, NORMAL syncs at checkpoints
        # rather than at every commit; FULL made each paused thread wait on an fsync.
        connection.execute("PRAGMA synchronous=NORMAL")
        try:
            saver = SqliteSaver(connection)
            saver.setup()
            yield saver
        finally:
            connection.close()
        return
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg import Connection
    from psycopg.rows import dict_row

    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with Connection.connect(
        dsn, autocommit=True, prepare_threshold=0, row_factory=dict_row
    ) as conn:
        pg_saver = PostgresSaver(conn)
        # Two sweeps starting together must not race on creating the checkpoint tables.
        conn.execute("SELECT pg_advisory_lock(%s)", (_SETUP_LOCK,))
        try:
            pg_saver.setup()
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK,))
        yield pg_saver
