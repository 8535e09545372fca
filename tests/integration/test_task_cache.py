"""taskCache through real executor and worker processes on PostgreSQL and Redis: a second
execution reuses the cached outputs without running the task, whichever worker gets it;
the entry is written by the executor with the attempt that succeeded."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from podium.common.store.schema import task_cache
from tests.integration.conftest import deploy, finish, runs_by_task, start_runtime, stop_runtime
from tests.unit.test_task_cache_embedded import CACHED, IN_WORKING_DIRECTORY

pytestmark = pytest.mark.service


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _ = start_runtime(deployment, "cache:", executors=1, workers=2)
    yield runtime
    stop_runtime(deployment, runtime)


def run(runtime, who: str) -> tuple[int, str]:
    execution = runtime.submit("company.team", "cached", {"who": who})
    final = finish(runtime, execution.id, timeout=60)
    assert final.state.value == "SUCCESS", final.error
    runs = runs_by_task(runtime.task_runs(execution.id))
    return runs["count"][0].outputs["vars"]["runs"], runs["after"][0].outputs["value"]


def test_a_cached_task_runs_once_across_executions_and_workers(runtime, tmp_path):
    counter = tmp_path / "counter.txt"
    deploy(runtime, CACHED.replace("COUNTER", str(counter)))
    assert run(runtime, "ada") == (1, "1")
    for _ in range(3):
        assert run(runtime, "ada") == (1, "1")
    assert counter.read_text().split() == ["ada"]
    assert run(runtime, "bob")[0] == 2
    with runtime.db.read() as conn:
        rows = conn.execute(select(task_cache.c.task_id)).scalars().all()
    assert sorted(rows) == ["count", "count"]


def test_a_working_directory_child_is_cached_across_executions(runtime, tmp_path):
    counter = tmp_path / "counter.txt"
    deploy(runtime, IN_WORKING_DIRECTORY.replace("COUNTER", str(counter)))
    for _ in range(3):
        execution = runtime.submit("company.team", "in_wd")
        assert finish(runtime, execution.id, timeout=60).state.value == "SUCCESS"
        assert runs_by_task(runtime.task_runs(execution.id))["after"][0].outputs["value"] == "1"
    assert counter.read_text().split() == ["x"]
