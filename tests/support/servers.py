"""Redis and PostgreSQL servers of a test's own, on free loopback ports, in private
directories: tests and fault scenarios stop, restart, crash and wipe them, which the
machine's shared servers must never suffer. Each `stop` / `start` keeps the port, so the
services reconnect to the same address as they would to a restarted pod behind a
Kubernetes Service.

The PostgreSQL binaries are found on PATH or in Debian's /usr/lib/postgresql/<version>/bin.
PostgreSQL refuses to run as root: run as root, the cluster belongs to the `postgres` user
and every command runs through `runuser -u postgres --`."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

import redis
from sqlalchemy import create_engine, text

from tests.waiting import poll_until


class ServerUnavailable(RuntimeError):
    """A server binary is missing on this machine: the harness cannot run."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for a server a test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _own_folder(folder: Path | None, name: str) -> tuple[Path, bool]:
    """`folder/name` (created), or a fresh temporary directory the server removes at
    `close()` (the second value)."""
    if folder is None:
        return Path(tempfile.mkdtemp(prefix=f"podium-{name}-")), True
    own = folder / name
    own.mkdir(parents=True)
    return own, False


class RedisServer:
    """A redis-server of its own. `keep_data`: AOF fsynced on every write, so a stop by any
    signal keeps every message; otherwise no persistence at all (a restart loses the lot)."""

    def __init__(self, folder: Path | None = None, *, keep_data: bool = True) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise ServerUnavailable("redis-server is not on PATH")
        self.folder, self._temporary = _own_folder(folder, "redis")
        self.data = self.folder / "data"
        self.data.mkdir()
        self.keep_data = keep_data
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.keep_data \
            else ["--appendonly", "no"]
        with open(self.folder / "redis.log", "ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                 "--dir", str(self.data), "--save", "", "--protected-mode", "no",
                 *persistence],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        if not poll_until(self._pings, 20):
            raise TimeoutError("redis-server not up after 20s")

    def _pings(self) -> bool:
        try:
            with redis.Redis(port=self.port, socket_connect_timeout=0.5) as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM: Redis's own shutdown (AOF flushed); SIGKILL: a crash (with `keep_data`,
        AOF fsynced on every write, so nothing acknowledged is lost either)."""
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

    def close(self) -> None:
        self.stop()
        if self._temporary:
            shutil.rmtree(self.folder, ignore_errors=True)


def _pg_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def postgres_unavailable() -> str | None:
    """Why no private PostgreSQL cluster can be started here, or None."""
    if _pg_binary("initdb") is None or _pg_binary("pg_ctl") is None:
        return "initdb / pg_ctl not found"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a `postgres` user"
        if shutil.which("runuser") is None:
            return "running as root without runuser"
    return None


class PostgresServer:
    """A PostgreSQL cluster of its own (initdb, trust auth); `server_url` is its `postgres`
    database, `url(name)` another one."""

    def __init__(self, folder: Path | None = None) -> None:
        reason = postgres_unavailable()
        if reason:
            raise ServerUnavailable(reason)
        self.initdb, self.pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
        self.folder, self._temporary = _own_folder(folder, "postgres")
        self.data = self.folder / "data"
        self.port = free_port()
        self.server_url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.folder, "postgres", "postgres")
            if folder is not None:
                os.chmod(folder, 0o755)

    def url(self, database: str) -> str:
        return self.server_url.rsplit("/", 1)[0] + f"/{database}"

    def _run(self, *argv: str) -> None:
        subprocess.run([*self._as, *argv], check=True, capture_output=True, timeout=120)

    def init(self, *settings: str) -> PostgresServer:
        """Create the cluster and start it; `settings` are more `name=value` server
        settings."""
        self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8")
        # fsync off: the machine never crashes under the tests, only PostgreSQL is
        # stopped, and the OS keeps what it was given. Commits stay synchronous.
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=300 -c full_page_writes=off" +
                   "".join(f" -c {setting}" for setting in settings))
        (self.folder / "options").write_text(options)
        self.start()
        return self

    def start(self) -> None:
        self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.folder / "postgres.log"),
                  "-o", (self.folder / "options").read_text(), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """`immediate`: every backend killed at once, no goodbye on the connections (a
        crash as far as clients can tell), crash recovery at the next start."""
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

    def terminate_backends(self, database: str | None = None) -> int:
        """pg_terminate_backend on every other client connection (to `database` only, when
        given): a failover's cut, every pooled connection dies."""
        where = f"datname = '{database}'" if database else "backend_type = 'client backend'"
        rows = self.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        f"WHERE {where} AND pid <> pg_backend_pid()")
        return len(rows)

    def close(self) -> None:
        if self.running():
            try:
                self.stop()
            except subprocess.CalledProcessError:
                pass  # already stopped
        if self._temporary:
            shutil.rmtree(self.folder, ignore_errors=True)
