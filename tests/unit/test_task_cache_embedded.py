"""taskCache through whole flows on the embedded runtime: the second run of a cached task
with the same rendered definition reuses its outputs without running it, a different
input runs it, an entry older than `ttl` runs it again, and the worker never writes the
cache (the executor does, with the attempt that succeeded)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from podium.common.flow.loader import parse_flow
from podium.common.store.schema import task_cache
from podium.common.store.types import utcnow
from podium.runtime import Runtime

CACHED = """
id: cached
namespace: company.team
inputs:
  - id: who
    type: STRING
tasks:
  - id: count
    type: io.kestra.plugin.scripts.shell.Commands
    taskCache:
      enabled: true
      ttl: PT1H
    commands:
      - echo "{{ inputs.who }}" >> COUNTER
      - 'echo "::{\\"outputs\\":{\\"runs\\":$(wc -l < COUNTER)}}::"'
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.count.vars.runs }}"
"""


@pytest.fixture
def runtime(tmp_path):
    # Scripts count their runs in a host file: unsandboxed (the sandbox hides host files).
    runtime = Runtime.embedded(tmp_path / "data", workers=2,
                               environ={"PODIUM_WORKER__SANDBOX": "none"})
    yield runtime
    runtime.close()


def run(runtime, who: str):
    execution = runtime.submit("company.team", "cached", {"who": who})
    final = runtime.wait(execution.id, timeout=60)
    assert final.state.value == "SUCCESS", final.error
    runs = {run.task_id: run for run in runtime.task_runs(execution.id)}
    return runs["count"].outputs["vars"]["runs"], runs["after"].outputs["value"], execution.id


def logs_of(runtime, execution_id: str) -> list[str]:
    return [entry.message for entry in runtime.logs(execution_id)]


def test_a_cached_task_runs_once_per_rendered_definition(runtime, tmp_path):
    counter = tmp_path / "counter.txt"
    runtime.deploy(parse_flow(CACHED.replace("COUNTER", str(counter))))
    assert run(runtime, "ada")[:2] == (1, "1")
    runs, after, second = run(runtime, "ada")
    assert (runs, after) == (1, "1")  # the cached outputs, and the body did not run:
    assert counter.read_text().split() == ["ada"]
    assert any("existing cache entry" in line for line in logs_of(runtime, second))
    # another input renders another definition: a new entry
    assert run(runtime, "bob")[0] == 2
    assert counter.read_text().split() == ["ada", "bob"]
    with runtime.db.read() as conn:
        rows = conn.execute(select(task_cache)).all()
    assert sorted((row.task_id, row.outputs["vars"]["runs"]) for row in rows) == [
        ("count", 1), ("count", 2)]


def test_an_entry_older_than_the_ttl_runs_the_task_again(runtime, tmp_path):
    counter = tmp_path / "counter.txt"
    runtime.deploy(parse_flow(CACHED.replace("COUNTER", str(counter))))
    run(runtime, "ada")
    with runtime.db.begin() as conn:  # as if written two hours ago (ttl: PT1H)
        conn.execute(update(task_cache).values(created=utcnow() - timedelta(hours=2)))
    assert run(runtime, "ada")[0] == 2
    assert run(runtime, "ada")[0] == 2  # the fresh entry written by that run is used


def test_a_failed_run_is_not_cached(runtime, tmp_path):
    runtime.deploy(parse_flow("""
id: failing
namespace: company.team
tasks:
  - id: boom
    type: io.kestra.plugin.scripts.shell.Commands
    taskCache: {enabled: true}
    commands: ["exit 3"]
"""))
    execution = runtime.submit("company.team", "failing")
    assert runtime.wait(execution.id, timeout=60).state.value == "FAILED"
    with runtime.db.read() as conn:
        assert conn.execute(select(task_cache)).all() == []


def test_disabled_cache_runs_every_time(runtime, tmp_path):
    counter = tmp_path / "counter.txt"
    runtime.deploy(parse_flow(CACHED.replace("COUNTER", str(counter))
                              .replace("enabled: true", "enabled: false")))
    assert run(runtime, "ada")[0] == 1
    assert run(runtime, "ada")[0] == 2


LOOPED = """
id: looped
namespace: company.team
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b"]
    concurrencyLimit: 1
    tasks:
      - id: count
        type: io.kestra.plugin.scripts.shell.Commands
        taskCache:
          enabled: true
        commands:
          - echo x >> COUNTER
          - 'echo "::{\\"outputs\\":{\\"runs\\":$(wc -l < COUNTER)}}::"'
"""


def test_each_loop_iteration_caches_apart_by_its_value(runtime, tmp_path):
    counter = tmp_path / "counter.txt"
    runtime.deploy(parse_flow(LOOPED.replace("COUNTER", str(counter))))
    found = []
    for _ in range(2):
        execution = runtime.submit("company.team", "looped")
        assert runtime.wait(execution.id, timeout=60).state.value == "SUCCESS"
        found.append(sorted(run.outputs["vars"]["runs"] for run in
                            runtime.task_runs(execution.id) if run.task_id == "count"))
    # the same definition, but each value has its own entry; the second execution reuses both
    assert found == [[1, 2], [1, 2]]
    assert len(counter.read_text().split()) == 2


IN_WORKING_DIRECTORY = """
id: in_wd
namespace: company.team
tasks:
  - id: wd
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: count
        type: io.kestra.plugin.scripts.shell.Commands
        taskCache:
          enabled: true
        commands:
          - echo x >> COUNTER
          - 'echo "::{\\"outputs\\":{\\"runs\\":$(wc -l < COUNTER)}}::"'
      - id: after
        type: io.kestra.plugin.core.debug.Return
        format: "{{ outputs.count.vars.runs }}"
"""


def test_a_working_directory_child_is_cached_as_kestra_s_worker_does(runtime, tmp_path):
    counter = tmp_path / "counter.txt"
    runtime.deploy(parse_flow(IN_WORKING_DIRECTORY.replace("COUNTER", str(counter))))
    for _ in range(2):
        execution = runtime.submit("company.team", "in_wd")
        assert runtime.wait(execution.id, timeout=60).state.value == "SUCCESS"
        runs = {run.task_id: run for run in runtime.task_runs(execution.id)}
        assert runs["after"].outputs["value"] == "1"
    assert counter.read_text().split() == ["x"]
    assert any("existing cache entry" in line for line in logs_of(runtime, execution.id))
