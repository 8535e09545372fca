"""The harness's own Redis and PostgreSQL servers, on free loopback ports, in private
directories: scenarios stop, restart and wipe them, which the machine's shared servers must
never suffer. Each `stop` / `start` keeps the port, so the services reconnect to the same
address as they would to a restarted pod behind a Kubernetes Service."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis
from sqlalchemy import create_engine, text


class ServerUnavailable(RuntimeError):
    """A server binary is missing on this machine: the harness cannot run."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not up after {timeout}s")
        time.sleep(0.05)


class RedisServer:
    """redis-server with AOF fsynced on every write: a stop by signal keeps every message."""

    def __init__(self, folder: Path) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise ServerUnavailable("redis-server is not on PATH")
        self.folder = folder / "redis"
        self.data = self.folder / "data"
        self.data.mkdir(parents=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.folder / "redis.log", "ab")
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.data),
             "--appendonly", "yes", "--appendfsync", "always", "--save", "",
             "--protected-mode", "no"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _wait(self._pings, 20, "redis-server")

    def _pings(self) -> bool:
        try:
            with redis.Redis(port=self.port, socket_connect_timeout=0.5) as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM: Redis's own shutdown (AOF flushed); SIGKILL: a crash (AOF fsynced
        on every write, so nothing acknowledged is lost either)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(20)
        self.process = None

    def wipe(self) -> None:
        """Delete the data files of a stopped server: it starts empty, a lost volume."""
        shutil.rmtree(self.data)
        self.data.mkdir()

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=2, socket_timeout=5)


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if found is None:
        raise ServerUnavailable(f"{name} is not on PATH nor in /usr/lib/postgresql/*/bin")
    return found


class PostgresServer:
    """A PostgreSQL cluster of its own (initdb, trust auth). Run as user `postgres` when this
    process is root, since PostgreSQL refuses to run as root."""

    def __init__(self, folder: Path) -> None:
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        self.folder = folder / "postgres"
        self.folder.mkdir()
        self.data = self.folder / "data"
        self.port = free_port()
        self.server_url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.folder, "postgres")
            os.chmod(folder, 0o755)

    def url(self, database: str) -> str:
        return self.server_url.rsplit("/", 1)[0] + f"/{database}"

    def _run(self, *argv: str) -> None:
        subprocess.run([*self._as, *argv], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8")
        # fsync off: the machine never crashes under the harness, only PostgreSQL is
        # stopped, and the OS keeps what it was given. Commits stay synchronous.
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=300 -c full_page_writes=off")
        (self.folder / "options").write_text(options)

    def start(self) -> None:
        self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.folder / "postgres.log"),
                  "-o", (self.folder / "options").read_text(), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """`immediate`: every backend killed at once, crash recovery at the next start."""
        self._run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def sql(self, statement: str, database: str = "postgres") -> list:
        engine = create_engine(self.url(database), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                result = conn.execute(text(statement))
                return list(result) if result.returns_rows else []
        finally:
            engine.dispose()

    def terminate_backends(self, database: str) -> int:
        """pg_terminate_backend on every other connection to `database` (a failover's cut)."""
        rows = self.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        f"WHERE datname = '{database}' AND pid <> pg_backend_pid()")
        return len(rows)
