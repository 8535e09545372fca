"""Fixtures of the integration suite: real `podium executor` / `podium worker` processes.

One throwaway PostgreSQL database, one unique Redis key prefix and one local storage
directory shared by every process per session (dropped / deleted at the end). Each test module starts its own small fleet with `start_runtime`
(a module-scoped fixture), under its own key prefix below the session's, so that a module's
leftovers (unacknowledged messages, dead letters) never reach the next module's fleet.

Every test here is marked `service`: it skips when PostgreSQL or Redis is unreachable, and
fails instead under CI=true (see tests/conftest.py).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from podium.common.flow.loader import parse_flow
from podium.common.models.execution import Execution, TaskRun
from podium.common.settings import Settings
from podium.common.store import list_services
from podium.common.store.database import normalize_url
from podium.runtime import Runtime
from tests.waiting import wait_for

POSTGRES_URL = os.environ.get("PODIUM_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("PODIUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass
class Deployment:
    """The session's PostgreSQL database and Redis key prefix."""

    database_url: str
    redis_url: str
    key_prefix: str
    redis: redis.Redis
    storage_dir: str = ""
    runtimes: list[Runtime] = field(default_factory=list)

    def env(self, suffix: str = "", **extra: str) -> dict[str, str]:
        env = {
            "PODIUM_DATABASE__URL": self.database_url,
            "PODIUM_BROKER__URL": self.redis_url,
            "PODIUM_BROKER__KEY_PREFIX": f"{self.key_prefix}{suffix}",
            "PODIUM_LOG_LEVEL": "WARNING",
            "PODIUM_STORAGE__BASE_PATH": self.storage_dir,
            # The tasks here write host files and pids that the tests read (delivery,
            # crashes, shutdown): unsandboxed. tests/security covers the sandbox.
            "PODIUM_WORKER__SANDBOX": "none",
        }
        env.update(extra)
        return env


def settings_from(env: dict[str, str]) -> Settings:
    """Settings exactly as a service started with `env` would read them."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.upper().startswith("PODIUM_"):
                patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        return Settings()


@pytest.fixture(scope="session")
def deployment() -> Iterator[Deployment]:
    server = make_url(normalize_url(POSTGRES_URL))
    admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        admin.dispose()
        pytest.skip(f"PostgreSQL unreachable at {server.render_as_string()}: {exc}")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        pytest.skip(f"Redis unreachable at {REDIS_URL}: {exc}")

    token = secrets.token_hex(5)
    name = f"podium_it_{token}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    deployment = Deployment(database_url=url, redis_url=REDIS_URL,
                            key_prefix=f"podium-it-{token}:", redis=client,
                            storage_dir=tempfile.mkdtemp(prefix=f"podium-it-{token}-"))
    try:
        yield deployment
    finally:
        for runtime in deployment.runtimes:
            try:
                runtime.close()
            except Exception:  # noqa: BLE001 - cleanup must go on
                pass
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        # Kombu prefixes every key with the global key prefix; the broadcast channel and
        # the queue-binding sets included.
        keys = list(client.scan_iter(match=f"{deployment.key_prefix}*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start:start + 500])
        client.close()
        shutil.rmtree(deployment.storage_dir, ignore_errors=True)


@contextmanager
def own_database() -> Iterator[str]:
    """A throwaway PostgreSQL database of its own (URL yielded), for a test whose counts or
    service rows must not see the rest of the session's (a deployment has one database)."""
    server = make_url(normalize_url(POSTGRES_URL))
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"podium_it_{secrets.token_hex(5)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def start_runtime(deployment: Deployment, suffix: str, *, executors: int = 1, workers: int = 1,
                  worker_concurrency: int = 4, **extra_env: str) -> tuple[Runtime, dict[str, str]]:
    """A fleet of real processes (own key prefix `suffix`) and a Runtime connected to it."""
    env = deployment.env(suffix, **extra_env)
    runtime = Runtime.distributed(settings_from(env), env, executors=executors, workers=workers,
                                  worker_concurrency=worker_concurrency)
    deployment.runtimes.append(runtime)
    return runtime, env


def stop_runtime(deployment: Deployment, runtime: Runtime) -> None:
    if runtime in deployment.runtimes:
        deployment.runtimes.remove(runtime)
    runtime.close()
    runtime.transport.close()


def deploy(runtime: Runtime, source: str) -> None:
    runtime.deploy(parse_flow(source))


def finish(runtime: Runtime, execution_id: str, timeout: float = 30.0) -> Execution:
    """Wait for the execution to terminate; on timeout, fail with what explains it."""
    try:
        return runtime.wait(execution_id, timeout=timeout, poll=0.05)
    except TimeoutError as exc:
        pytest.fail(f"{exc}\n{explain_stuck(runtime, [execution_id], runtime.fleet)}")


def explain_stuck(runtime: Runtime, execution_ids: list[str], fleet: Any = None) -> str:
    """Everything a stuck execution leaves to read: its task runs and attempts, its last
    log lines, every service row with the attempts it lists, and each process's threads'
    stacks and log tail."""
    lines = []
    for execution_id in execution_ids[:20]:
        execution = runtime.get(execution_id)
        lines.append(f"=== {execution_id} {execution.flow_id} {execution.state.value}")
        lines += [f"  run {r.id} {r.task_id} {r.state.value} "
                  f"{[(a.number, a.state.value) for a in r.attempts]}"
                  for r in runtime.task_runs(execution_id)]
        lines += [f"  log {e.timestamp:%H:%M:%S.%f} {e.level} {e.task_id} {e.message[:200]}"
                  for e in runtime.logs(execution_id)[-15:]]
    with runtime.db.read() as conn:
        lines += [f"service {r.id} {r.state} beat {r.heartbeat_at:%H:%M:%S.%f} running "
                  f"{r.running}" for r in list_services(conn, include_dead=True)]
    if fleet is not None:
        fleet.dump_stacks()
        lines.append(fleet.log_tail(150))
    return "\n".join(lines)


def runs_by_task(runs: list[TaskRun]) -> dict[str, list[TaskRun]]:
    grouped: dict[str, list[TaskRun]] = {}
    for run in runs:
        grouped.setdefault(run.task_id, []).append(run)
    return grouped


class Interceptor:
    """Consumes a worker-group queue no fleet worker listens to, in this process.

    Tasks with `workerGroup: {key: <group>}` are dispatched to `podium.worker.<group>`;
    the interceptor keeps those real RunTask payloads so a test can hold, forward or
    duplicate them through the transport.
    """

    def __init__(self, runtime: Runtime, queue: str) -> None:
        self.runtime = runtime
        self.queue = queue
        self.payloads: list[dict] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=runtime.transport.consume, args=([queue], self._keep),
            kwargs={"stop": self._stop, "pool": "solo"}, name="interceptor", daemon=True)

    def _keep(self, payload: dict) -> None:
        with self._lock:
            self.payloads.append(payload)

    def start(self) -> "Interceptor":
        self._thread.start()
        return self

    def take(self, predicate: Callable[[dict], bool], timeout: float = 20.0,
             what: str = "an intercepted message") -> dict:
        def find() -> dict | None:
            with self._lock:
                for index, payload in enumerate(self.payloads):
                    if predicate(payload):
                        return self.payloads.pop(index)
            return None
        return wait_for(find, timeout, what)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(15)


def process_running(pid: int, command: bytes) -> bool:
    """True if `pid` is a live (not zombie) process whose command line is `command`."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").strip()
    except (FileNotFoundError, ProcessLookupError):
        return False
    zombie = re.search(r"^State:\s+Z", status, re.M) is not None
    return not zombie and cmdline == command
