"""A PostgreSQL cluster of a test's own, on a free port in a temporary directory, which the
test may stop, restart and cut off (the shared server on 5432 must never be touched).

The binaries are found on PATH or in Debian's /usr/lib/postgresql/<version>/bin. PostgreSQL
refuses to run as root: run as root, the cluster belongs to the `postgres` user and every
command runs through `runuser -u postgres --`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.integration.conftest import free_port


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def unavailable() -> str | None:
    """Why no private cluster can be started here, or None."""
    if _binary("initdb") is None or _binary("pg_ctl") is None:
        return "initdb / pg_ctl not found"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a `postgres` user"
        if shutil.which("runuser") is None:
            return "running as root without runuser"
    return None


class PrivatePostgres:
    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="podium-pg-"))
        self.data = self.folder / "data"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def init(self) -> "PrivatePostgres":
        self._run(_binary("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync")
        return self.start()

    def start(self) -> "PrivatePostgres":
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(_binary("pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.folder / "server.log"), "-w", "-t", "60", "start")
        return self

    def stop(self, mode: str = "immediate") -> None:
        """`immediate`: a crash as far as clients can tell (no goodbye on connections)."""
        self._run(_binary("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def terminate_backends(self) -> int:
        """`pg_terminate_backend` every other session: every pooled connection dies."""
        engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                return len(conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'"))
                    .fetchall())
        finally:
            engine.dispose()

    def close(self) -> None:
        try:
            self.stop("fast")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)
