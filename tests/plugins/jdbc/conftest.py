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
import pytest
from sqlalchemy.engine import make_url

from podium.common.flow.loader import parse_flow
from podium.common.models.execution import Execution
from podium.runtime import Runtime

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


@pytest.fixture
def runtime(tmp_path) -> Iterator[Runtime]:
    with Runtime.embedded(tmp_path / "data", workers=2, environ={}) as rt:
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
