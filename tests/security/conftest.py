"""Fixtures shared by the security suite.

- `api` / `anonymous`: TestClients (with and without a bearer token) over an embedded
  Runtime; `live`: the same app served by uvicorn (real HTTP, paths sent as written).
- `cli`: `podium ...` through click's runner, as a client of `live` (`--server` mode);
  `local_cli`: the CLI with no server (embedded commands such as `flow validate`).
- `stored(runtime)`: every row count of the store plus every file of internal storage, so
  a case asserts `stored(runtime) == before` after a refused request.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from podium.cli import main
from podium.common.store.schema import metadata
from podium.runtime import Runtime

# The API suite's fixtures, shared: runtime, app, client, anonymous, live, cli.
from tests.api.conftest import anonymous, app, cli, client, live, runtime  # noqa: F401, F811

# Rows that change by themselves while nothing is submitted (liveness of the services).
VOLATILE_TABLES = {"service_instances"}


def stored(runtime: Runtime) -> dict:  # noqa: F811 - any runtime, not only the fixture's
    """A snapshot of what the runtime holds: row counts per table and storage files."""
    counts = {}
    with runtime.db.read() as conn:
        for table in metadata.sorted_tables:
            if table.name in VOLATILE_TABLES:
                continue
            counts[table.name] = conn.execute(select(func.count()).select_from(table)).scalar()
    root = getattr(runtime.storage, "root", None)
    files = sorted(str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file()) \
        if root else []
    return {"rows": counts, "files": files}


@pytest.fixture
def api(client):  # noqa: F811 - the imported fixture, requested by name
    """The authenticated client of tests/api/conftest.py (bearer token)."""
    return client


@pytest.fixture
def local_cli(monkeypatch, tmp_path) -> Callable:
    monkeypatch.delenv("PODIUM_SERVER", raising=False)
    monkeypatch.setenv("PODIUM_DATA_DIR", str(tmp_path / "cli-data"))
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)
    return invoke
