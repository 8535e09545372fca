"""A scratch PostgreSQL database for the jdbc plugin's tests (on the server of
PODIUM_TEST_POSTGRES_URL, dropped at the end), and an embedded runtime to run flows.

Tests using `pg` are marked `service`: they skip when PostgreSQL is unreachable, and fail
instead under CI=true (tests/conftest.py).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pymysql
import pytest
from sqlalchemy.engine import make_url

from podium.common.flow.loader import parse_flow
from podium.common.models.execution import Execution
from podium.common.settings import SchedulerSettings
from podium.runtime import Runtime

MYSQL_URL = os.environ.get("PODIUM_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306")
SERVER_URL = os.environ.get("PODIUM_TEST_POSTGRES_URL",
                            "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    password: str | None
    database: str

    @property
    def jdbc_url(self) -> str:
        return f"jdbc:postgresql://{self.host}:{self.port}/{self.database}"

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(host=self.host, port=self.port, user=self.user,
                               password=self.password, dbname=self.database, autocommit=True)

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.connect() as conn:
            return conn.execute(sql, params or None).fetchall()

    def run(self, sql: str) -> None:
        with self.connect() as conn:
            conn.execute(sql)

    def connection_yaml(self, indent: str = "    ") -> str:
        """The url/username/password lines of a task (password only when there is one)."""
        lines = [f"url: {self.jdbc_url}", f"username: {self.user}"]
        if self.password:
            lines.append(f"password: {self.password}")
        return "\n".join(indent + line for line in lines)


@pytest.fixture(scope="session")
def pg() -> Iterator[Postgres]:
    server = make_url(SERVER_URL)
    base = Postgres(server.host or "127.0.0.1", server.port or 5432,
                    server.username or "postgres", server.password, server.database or "postgres")
    try:
        admin = base.connect()
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL unreachable at {base.host}:{base.port}: {exc}")
    name = f"podium_jdbc_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Postgres(base.host, base.port, base.user, base.password, name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@dataclass(frozen=True)
class Mysql:
    """A scratch database on the MySQL/MariaDB server of PODIUM_TEST_MYSQL_URL."""

    host: str
    port: int
    user: str
    password: str
    database: str

    def jdbc_url(self, driver: str = "mysql") -> str:
        return f"jdbc:{driver}://{self.host}:{self.port}/{self.database}"

    def connect(self, database: str | None = None) -> pymysql.connections.Connection:
        return pymysql.connect(host=self.host, port=self.port, user=self.user,
                               password=self.password, database=database or self.database,
                               autocommit=True, local_infile=True)

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.connect() as conn, conn.cursor() as cursor:
            cursor.execute(sql, params or None)
            return list(cursor.fetchall())

    def run(self, sql: str) -> None:
        with self.connect() as conn, conn.cursor() as cursor:
            cursor.execute(sql)

    def connection_yaml(self, driver: str = "mysql", indent: str = "    ") -> str:
        lines = [f"url: {self.jdbc_url(driver)}", f"username: {self.user}"]
        if self.password:
            lines.append(f"password: {self.password}")
        return "\n".join(indent + line for line in lines)


@pytest.fixture(scope="session")
def mysql() -> Iterator[Mysql]:
    server = make_url(MYSQL_URL)
    name = f"podium_jdbcmore_{secrets.token_hex(4)}"
    base = Mysql(server.host or "127.0.0.1", server.port or 3306, server.username or "root",
                 server.password or "", name)
    try:
        admin = pymysql.connect(host=base.host, port=base.port, user=base.user,
                                password=base.password, autocommit=True, connect_timeout=3)
    except pymysql.err.MySQLError as exc:
        pytest.skip(f"MySQL/MariaDB unreachable at {base.host}:{base.port}: {exc}")
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}`")
    try:
        yield base
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


@pytest.fixture
def runtime(tmp_path) -> Iterator[Runtime]:
    with Runtime.embedded(tmp_path / "data", workers=2, environ={}) as rt:
        yield rt


@pytest.fixture
def scheduled(tmp_path) -> Iterator[Runtime]:
    """An embedded runtime whose scheduler polls triggers (real clock, short rounds)."""
    settings = SchedulerSettings(timezone="UTC", flow_poll_seconds=0.2, busy_poll_seconds=0.1)
    with Runtime.embedded(tmp_path / "data", workers=2, environ={},
                          scheduler=settings) as rt:
        yield rt


def run_flow(rt: Runtime, source: str, inputs: dict[str, Any] | None = None,
             timeout: float = 60) -> Execution:
    loaded = parse_flow(source)
    rt.deploy(loaded)
    flow = loaded.flow
    return rt.wait(rt.submit(flow.namespace, flow.id, inputs).id, timeout)


def outputs_of(rt: Runtime, execution: Execution, task_id: str) -> dict[str, Any]:
    [run] = [r for r in rt.task_runs(execution.id) if r.task_id == task_id]
    return run.outputs or {}
