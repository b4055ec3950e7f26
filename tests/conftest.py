"""Database fixtures: a fresh SQLite file per test, and the same tests on PostgreSQL.

Set ``PAYTRACK_TEST_DATABASE_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
and every test that takes ``engine`` or ``session`` runs twice: once on SQLite, once on that
PostgreSQL database, which is migrated once and truncated between tests.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel

from agent.db import make_engine
from agent.schema import upgrade
from agent.settings import Settings

# pytest-xdist workers start with COLUMNS=80 set; rich would fix the CLI's console width at
# import from it, and tests that widen the terminal (env={"COLUMNS": ...}) would not be heard.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)


def _per_worker(url: str) -> str:
    """Under pytest-xdist each worker gets a database of its own (created when missing), so
    parallel workers never truncate each other's tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        known = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if known is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


POSTGRES_URL = _per_worker(os.environ.get("PAYTRACK_TEST_DATABASE_URL", ""))
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for every test (migrating each time is slow)."""
    path = tmp_path_factory.mktemp("template") / "paytrack.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    engine = make_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


CHECKPOINT_TABLES = ("checkpoints", "checkpoint_blobs", "checkpoint_writes")


def _truncate_all(engine: Engine) -> None:
    """Empty every table between tests: ours, and LangGraph's checkpoints (not on our metadata)."""
    with engine.begin() as connection:
        present = set(
            connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).scalars()
        )
        names = [table.name for table in SQLModel.metadata.sorted_tables]
        names += [name for name in CHECKPOINT_TABLES if name in present]
        quoted = ", ".join(f'"{name}"' for name in names)
        connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        engine = request.getfixturevalue("postgres_engine")
        _truncate_all(engine)
        return POSTGRES_URL
    template: Path = request.getfixturevalue("sqlite_template")
    target = tmp_path / "paytrack.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "data", openai_api_key="")


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for running the ``paytrack`` CLI against the test database."""
    monkeypatch.setenv("PAYTRACK_DATABASE_URL", database_url)
    monkeypatch.setenv("PAYTRACK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    return {"PAYTRACK_DATABASE_URL": database_url, "PAYTRACK_DATA_DIR": str(tmp_path / "data")}
