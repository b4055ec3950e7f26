"""Engine creation and the one transaction owner, ``session_scope``."""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine
from sqlmodel.sql.expression import Select

from agent.settings import Settings


def select_many(*columns: Any) -> Select[*tuple[Any, ...]]:
    """``select`` over more than four columns, where sqlmodel's typed overloads stop."""
    return Select(*columns)


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def enable(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return enable


def make_engine(url: str, *, busy_timeout_seconds: float = 30.0) -> Engine:
    """An engine for ``url``; SQLite files get their folder created and sane pragmas.

    A writer waits up to ``busy_timeout_seconds`` for another's lock (SQLite's busy timeout,
    PostgreSQL's ``lock_timeout``) before the database reports it busy (``is_contention``).
    PostgreSQL runs without JIT: the as-of expressions' correlated subqueries (never run when
    nothing was paid after the day) inflate a report's estimated cost past the JIT thresholds,
    and compiling its expressions took seconds where executing them takes a fraction of one.
    """
    parsed = make_url(url)
    timeout_ms = int(busy_timeout_seconds * 1000)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": busy_timeout_seconds})
        event.listen(engine, "connect", _sqlite_pragmas(timeout_ms))
        _install_writer_gate(engine, busy_timeout_seconds)
        return engine
    options = f"-c lock_timeout={timeout_ms} -c jit=off"
    return create_engine(url, pool_pre_ping=True, connect_args={"options": options})


class _WriterGate:
    """This process's writers queue here, in turn, before taking SQLite's write lock.

    SQLite lets a writer that finds the lock taken sleep and retry (its busy handler sleeps up
    to 100 ms a time), so under many concurrent writers some wait far longer than the writes
    ahead of them take. Waiting on a thread lock instead wakes the next writer the moment the
    previous transaction ends. Writers in other processes still meet the busy timeout.
    """

    _HOLDS = "paytrack_writer_gate"

    def __init__(self, timeout_seconds: float) -> None:
        # A plain lock, not an RLock: the API commits on another thread than the one that wrote.
        self._lock = threading.Lock()
        self._timeout = timeout_seconds

    def enter(self, connection: Connection) -> None:
        if not self._lock.acquire(timeout=self._timeout):
            raise OperationalError(
                "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
            )
        connection.info[self._HOLDS] = True

    def leave(self, connection: Connection) -> None:
        self.release(connection.info)

    def release(self, info: dict[Any, Any]) -> None:
        if info.pop(self._HOLDS, False):
            self._lock.release()

    def on_reset(self, _dbapi_connection: Any, record: Any, _reset_state: Any) -> None:
        """A connection returned without commit or rollback."""
        self.release(record.info)

    def on_invalidate(self, _dbapi_connection: Any, record: Any, _exception: Any) -> None:
        """A connection dropped after an error."""
        self.release(record.info)


_WRITER_GATES: weakref.WeakKeyDictionary[Engine, _WriterGate] = weakref.WeakKeyDictionary()


def _install_writer_gate(engine: Engine, timeout_seconds: float) -> None:
    gate = _WriterGate(timeout_seconds)
    _WRITER_GATES[engine] = gate
    event.listen(engine, "commit", gate.leave)
    event.listen(engine, "rollback", gate.leave)
    event.listen(engine.pool, "reset", gate.on_reset)
    event.listen(engine.pool, "invalidate", gate.on_invalidate)


def hold_write_lock(session: Session) -> None:
    """Make the session's transaction the database's one writer before it reads what it changes.

    SQLite ignores ``FOR UPDATE``, and pysqlite opens a transaction only at the first write, so a
    balance read before that write can be stale by the time it commits. ``BEGIN IMMEDIATE`` takes
    the write lock up front (waiting out the busy timeout rather than failing), so every later
    read in this transaction sees the latest committed state and no other writer can interleave.
    A transaction that has already written holds the lock. Other databases use row locks instead.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    if raw is not None and not raw.in_transaction:
        _WRITER_GATES[connection.engine].enter(connection)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _WRITER_GATES[connection.engine].leave(connection)
            raise


# PostgreSQL SQLSTATEs that mean "another transaction was in the way": serialization failure,
# deadlock, lock not available, and a lock or statement timeout.
_CONTENTION_SQLSTATES = {"40001", "40P01", "55P03", "57014"}


def is_contention(exc: OperationalError) -> bool:
    """Whether a database error means "busy, try again" rather than a fault."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _CONTENTION_SQLSTATES
    return "locked" in str(exc.orig).lower()


def engine_from_settings(settings: Settings) -> Engine:
    return make_engine(
        settings.resolved_database_url(),
        busy_timeout_seconds=settings.database_busy_timeout_seconds,
    )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """Commit when the block ends normally, roll back when it raises. Services only flush."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """A session for reads only, run without a transaction of its own.

    At READ COMMITTED (PostgreSQL's default, and what a pysqlite read gets) each statement
    reads its own snapshot inside a transaction too, so leaving it out changes nothing a
    reader sees; on PostgreSQL it saves the BEGIN and COMMIT round trips. Never write here:
    each statement would commit on its own.
    """
    reader = engine.execution_options(isolation_level="AUTOCOMMIT")
    with Session(reader, expire_on_commit=False, autoflush=False) as session:
        yield session


def commit_early(session: Session) -> None:
    """Commit ``session_scope``'s transaction before its block ends, once the work is final.

    For the API's writes: left to the request's session dependency, the commit waits for a hop
    through the event loop and back while the transaction holds SQLite's write lock
    (PostgreSQL's row locks), so under load every writer queues behind it. The scope's own
    commit then finds nothing left to do; a failure here still rolls back and propagates.
    """
    session.commit()
