"""storage.PurgeStorage on local storage: execution files of a namespace tree, a flow or
everything, by last-modified date, with the default dry run; other files never touched."""

from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

from podium.common.models.state import State
from podium.common.storage import LocalStorage
from podium.common.store import Database, delete_flow, upgrade_database
from podium.worker.runnables import run_attempt
from tests.unit.worker.conftest import make_ctx, make_task
from tests.unit.worker.test_kv_put_purge import add_flow

PURGE = "io.kestra.plugin.core.storage.PurgeStorage"
OLD, NEW = datetime(2024, 1, 1, tzinfo=timezone.utc), datetime(2024, 6, 1, tzinfo=timezone.utc)
FILES = {  # key -> last modified
    "company/team/flow-a/executions/e1/tasks/t/tr1/out.txt": OLD,
    "company/team/flow-a/executions/e1/inputs/data/in.csv": OLD,
    "company/team/flow-a/executions/e2/tasks/t/tr2/out.txt": NEW,
    "company/team/sub/flow-b/executions/e3/tasks/t/tr3/out.txt": OLD,
    "company/team/_files/scripts/a.sql": OLD,
    "company/teamx/flow-x/executions/e5/tasks/t/tr5/out.txt": OLD,
    "other/flow-c/executions/e4/tasks/t/tr4/out.txt": OLD,
}


@pytest.fixture
def storage(tmp_path):
    root = tmp_path / "storage"
    with LocalStorage(root) as storage:
        for key, modified in FILES.items():
            storage.put("kestra:///" + key, b"x")
            os.utime(root / key, (modified.timestamp(), modified.timestamp()))
        yield storage


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'podium.db'}")
    upgrade_database(database)
    for namespace in ("company.team", "other"):
        add_flow(database, namespace)
    with database.begin() as conn:
        delete_flow(conn, "other", "flow1")  # its files stay reachable
    yield database
    database.dispose()


def purge(storage, db=None, **props):
    ctx, _ = make_ctx(storage=storage)
    ctx.store = db
    outcome = run_attempt(make_task(PURGE, **props), ctx)
    assert outcome.state is State.SUCCESS, outcome.error
    return outcome.outputs


def left(storage) -> set[str]:
    return {e.uri[len("kestra:///"):] for e in storage.list("kestra:///company")} | \
        {e.uri[len("kestra:///"):] for e in storage.list("kestra:///other")}


def test_the_default_dry_run_counts_and_deletes_nothing(storage):
    out = purge(storage, namespace="company.team", endDate="2024-03-01T00:00:00Z")
    assert out == {"scannedCount": 3, "purgedCount": 2, "deletedFilesCount": 0}
    assert left(storage) == set(FILES)


def test_a_namespace_tree_loses_its_old_execution_files_only(storage):
    out = purge(storage, namespace="company.team", endDate="2024-03-01T00:00:00Z",
                dryRun=False)
    assert out == {"scannedCount": 3, "purgedCount": 2, "deletedFilesCount": 3}
    assert left(storage) == {"company/team/flow-a/executions/e2/tasks/t/tr2/out.txt",
                             "company/team/_files/scripts/a.sql",
                             "company/teamx/flow-x/executions/e5/tasks/t/tr5/out.txt",
                             "other/flow-c/executions/e4/tasks/t/tr4/out.txt"}


def test_one_flow_and_a_start_date(storage):
    out = purge(storage, namespace="company.team", flowId="flow_a", dryRun=False,
                startDate="2024-05-01T00:00:00Z", endDate="{{ '2024-07-01T00:00:00Z' }}")
    assert out == {"scannedCount": 2, "purgedCount": 1, "deletedFilesCount": 1}
    assert "company/team/flow-a/executions/e2/tasks/t/tr2/out.txt" not in left(storage)


def test_everything_reaches_namespaces_of_deleted_flows(storage, db):
    out = purge(storage, db, endDate="2024-03-01T00:00:00Z", dryRun=False)
    assert out["purgedCount"] == 4 and out["deletedFilesCount"] == 5
    assert left(storage) == {"company/team/flow-a/executions/e2/tasks/t/tr2/out.txt",
                             "company/team/_files/scripts/a.sql"}


def test_a_flow_id_needs_its_namespace():
    with pytest.raises(Exception, match="'namespace' is required when 'flowId' is set"):
        make_task(PURGE, flowId="a", endDate="2024-01-01T00:00:00Z")
