"""Two executors and two workers sharing one store and one broker, many executions at once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from podium.common.models.state import State
from tests.integration.conftest import deploy, runs_by_task, start_runtime, stop_runtime
from tests.waiting import poll_until

pytestmark = pytest.mark.service

EXECUTIONS = 50
FLOW = """
id: scale
namespace: it.scale
inputs:
  - id: n
    type: INT
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: "n{{ inputs.n }}"
  - id: par
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: p_return
        type: io.kestra.plugin.core.debug.Return
        format: "p{{ inputs.n }}"
      - id: p_shell
        type: io.kestra.plugin.scripts.shell.Commands
        env:
          N: "{{ inputs.n }}"
        commands:
          - 'echo "::{\\"outputs\\": {\\"double\\": $((N * 2))}}::"'
  - id: branch
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.n % 2 == 0 }}"
    then:
      - id: even
        type: io.kestra.plugin.core.debug.Return
        format: "even"
    else:
      - id: odd
        type: io.kestra.plugin.core.debug.Return
        format: "odd"
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b", "c"]
    tasks:
      - id: item
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}{{ inputs.n }}"
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.first.value }}/{{ outputs.p_return.value }}/{{ outputs.p_shell.vars.double }}"
outputs:
  - id: summary
    type: STRING
    value: "{{ outputs.last.value }}"
  - id: items
    type: STRING
    value: "{{ outputs.item.a.value }},{{ outputs.item.b.value }},{{ outputs.item.c.value }}"
"""
# first, par, p_return, p_shell, branch, even|odd, each, item x3, last
EXPECTED_RUNS = 11


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _ = start_runtime(deployment, "scale:", executors=2, workers=2, worker_concurrency=4,
                                PODIUM_LOG_LEVEL="INFO")
    yield runtime
    stop_runtime(deployment, runtime)


def test_fifty_concurrent_executions_on_two_executors_and_two_workers(runtime):
    assert [role for role, _, _ in runtime.fleet.processes] == \
        ["executor", "executor", "worker", "worker"]
    deploy(runtime, FLOW)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=10) as pool:
        ids = list(pool.map(lambda n: (n, runtime.submit("it.scale", "scale", {"n": n}).id),
                            range(EXECUTIONS)))

    pending = {execution_id: n for n, execution_id in ids}
    done = {}

    def all_done() -> bool:
        for execution_id in list(pending):
            execution = runtime.get(execution_id)
            if execution.state.is_terminated:
                done[execution_id] = (pending.pop(execution_id), execution)
        return not pending

    poll_until(all_done, 90, poll=0.1)
    assert not pending, f"{len(pending)} executions not finished\n{runtime.fleet.log_tail(20)}"
    elapsed = time.monotonic() - started
    print(f"{EXECUTIONS} executions in {elapsed:.1f}s")

    for execution_id, (n, execution) in done.items():
        assert execution.state is State.SUCCESS, (n, execution.error)
        assert execution.outputs == {"summary": f"n{n}/p{n}/{2 * n}",
                                     "items": f"a{n},b{n},c{n}"}
        runs = runtime.task_runs(execution_id)
        assert len(runs) == EXPECTED_RUNS, [r.task_id for r in runs]
        by_task = runs_by_task(runs)
        assert ("even" in by_task) == (n % 2 == 0) and ("odd" in by_task) == (n % 2 == 1)
        assert sorted(run.value for run in by_task["item"]) == ["a", "b", "c"]
        for run in runs:
            assert run.state is State.SUCCESS, (n, run.task_id, run.state)
            assert len(run.attempts) <= 1, (n, run.task_id, run.attempts)
            if run.task_id not in ("par", "branch", "each"):
                assert len(run.attempts) == 1, (n, run.task_id)

    # Every process took part: a worker's Celery consumer logs each message it receives,
    # an executor's batch consumer each batch it takes (INFO).
    for role, _process, ready in runtime.fleet.processes:
        log = ready.with_suffix(".log").read_text(errors="replace")
        seen = "message(s) from podium.executor" if role == "executor" else "] received"
        assert log.count(seen) > 0, f"{ready.stem} handled no message"
