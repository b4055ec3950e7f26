"""SQLite's write-ahead log checkpointed by a background thread of a serving process.

By default the commit that brings the log past 1,000 pages copies it into the database file
and syncs it, inside that request: about one payment in 65 paid for that (100 ms and more on
a busy machine), which set the 99th percentile of the writes. While the thread runs, commits only
append to the log, and the thread checkpoints (``PASSIVE``: it never waits for or blocks
readers and writers) every ``interval`` seconds. SQLite replays the log after a crash as
before, and checkpoints it when the last connection closes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from agent.background import Repeating


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


class WalCheckpointer(Repeating):
    """Takes over the checkpoints of a SQLite ``engine`` while started; nothing elsewhere."""

    def __init__(self, engine: Engine, *, interval: float = 0.5) -> None:
        super().__init__(
            "wal", self.checkpoint, what="WAL checkpoint", interval=interval, wait_first=True
        )
        self._engine = engine

    def checkpoint(self) -> None:
        with self._engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def start(self) -> None:
        if self._engine.url.get_backend_name() != "sqlite":
            return
        event.listen(self._engine, "connect", _no_autocheckpoint)
        self._engine.dispose()  # pooled connections were opened with automatic checkpoints
        super().start()

    def stop(self) -> None:
        started = self._thread is not None
        super().stop()
        if started:
            self.checkpoint()
