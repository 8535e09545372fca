"""Database fixtures for the store contract suite.

Every contract test runs on both backends: SQLite (a file under tmp) and PostgreSQL (a
throwaway `podium_test_<random>` database created through the maintenance database of
PODIUM_TEST_POSTGRES_URL, dropped at the end of the session). PostgreSQL tests are marked
`service`: they skip when the server is unreachable, and fail instead under CI=true.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from podium.common.store import Database, upgrade
from podium.common.store.database import normalize_url

# The storage suite's backends (`s3_endpoint`, shared by the suites, is in tests/conftest.py).
from tests.contract.storage_backends import storage  # noqa: F401

POSTGRES_URL = os.environ.get("PODIUM_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Children first, so plain DELETEs respect the foreign keys.
TABLES = ("timers", "task_runs", "execution_labels", "executions", "logs", "outbox", "flows",
          "kv_entries", "triggers", "debounce_buffers", "service_instances")


class PostgresServer:
    """Creates and drops throwaway databases through the maintenance database."""

    def __init__(self, url: str) -> None:
        self.url = make_url(normalize_url(url))
        self.engine = create_engine(self.url, isolation_level="AUTOCOMMIT",
                                    connect_args={"connect_timeout": 3})
        self.created: list[str] = []

    def create_database(self) -> str:
        name = f"podium_test_{secrets.token_hex(6)}"
        with self.engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.engine.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer(POSTGRES_URL)
    try:
        with server.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server"
        server.engine.dispose()
        pytest.skip(f"PostgreSQL unreachable at {server.url.render_as_string()}: {exc}")
    yield server
    server.drop_all()


@pytest.fixture(scope="session", params=[
    "sqlite", pytest.param("postgresql", marks=pytest.mark.service)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def empty_url(backend: str, request: pytest.FixtureRequest, tmp_path) -> str:
    """A database URL that has never been migrated."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return request.getfixturevalue("postgres_server").create_database()


@pytest.fixture(scope="session")
def store_url(backend: str, request: pytest.FixtureRequest, tmp_path_factory) -> str:
    """A migrated database shared by the session's tests of one backend."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'podium.db'}"
    else:
        url = request.getfixturevalue("postgres_server").create_database()
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def session_database(store_url: str) -> Iterator[Database]:
    database = Database(store_url)
    yield database
    database.dispose()


@pytest.fixture
def db(session_database: Database) -> Database:
    """The backend's migrated database, emptied before the test."""
    with session_database.begin() as conn:
        if session_database.is_sqlite:
            for table in TABLES:
                conn.exec_driver_sql(f"DELETE FROM {table}")
        else:
            conn.exec_driver_sql(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    return session_database
