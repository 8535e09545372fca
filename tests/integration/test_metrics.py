"""Metrics and health of real service processes (podium/testing/fleet.py), scraped over HTTP.

* the executors' counters summed over both executors equal the store's counts:
  executions by namespace and final state, task runs by task type and final state;
* a prefork worker (pool children) reports the attempts its children ran;
* every process answers /healthz and /readyz.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlalchemy import text

from podium.common.flow.loader import parse_flow
from tests.integration.conftest import deploy, finish, start_runtime, stop_runtime
from tests.integration.scrape import by, get, scrape
from tests.waiting import poll_until

pytestmark = pytest.mark.service

MIXED = """
id: mixed
namespace: metrics.it
inputs:
  - id: fail
    type: BOOLEAN
    defaults: false
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: ret
        type: io.kestra.plugin.core.debug.Return
        format: "{{ inputs.fail }}"
      - id: choose
        type: io.kestra.plugin.core.flow.If
        condition: "{{ inputs.fail }}"
        then:
          - id: boom
            type: io.kestra.plugin.core.execution.Fail
            errorMessage: planned
        else:
          - id: fine
            type: io.kestra.core.tasks.log.Log
            message: fine
  - id: skipped
    type: io.kestra.plugin.core.debug.Return
    runIf: "{{ false }}"
    format: never
errors:
  - id: cleanup
    type: io.kestra.plugin.core.log.Log
    message: failed
"""

SIMPLE = """
id: simple
namespace: metrics.it.other
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [1, 2, 3]
    tasks:
      - id: say
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}"
"""


@pytest.fixture(scope="module")
def fleet(deployment):
    runtime, _ = start_runtime(deployment, "metrics", executors=2, workers=1,
                               worker_concurrency=4)
    yield runtime
    stop_runtime(deployment, runtime)


def test_executor_totals_equal_the_store(fleet, deployment):
    runtime = fleet
    deploy(runtime, MIXED)
    deploy(runtime, SIMPLE)
    ids = [runtime.submit("metrics.it", "mixed", {"fail": i % 4 == 0}).id for i in range(24)]
    ids += [runtime.submit("metrics.it.other", "simple").id for _ in range(8)]
    states = Counter(finish(runtime, execution_id, timeout=120).state.value
                     for execution_id in ids)
    assert states == {"SUCCESS": 26, "FAILED": 6}

    flows = {("metrics.it", "mixed"): parse_flow(MIXED).flow,
             ("metrics.it.other", "simple"): parse_flow(SIMPLE).flow}
    with runtime.db.read() as conn:
        executions = Counter({(ns, state): n for ns, state, n in conn.execute(text(
            "SELECT namespace, state, count(*) FROM executions "
            "WHERE namespace LIKE 'metrics.it%' GROUP BY namespace, state"))})
        task_runs: Counter = Counter()
        for ns, flow_id, task_id, state, n in conn.execute(text(
                "SELECT e.namespace, e.flow_id, t.task_id, t.state, count(*) "
                "FROM task_runs t JOIN executions e ON e.id = t.execution_id "
                "WHERE e.namespace LIKE 'metrics.it%' GROUP BY 1, 2, 3, 4")):
            task = flows[(ns, flow_id)].task_index()[task_id]
            task_runs[(type(task).TYPE, state)] += n
    expected_runs = dict(task_runs)
    assert expected_runs[("io.kestra.plugin.core.execution.Fail", "FAILED")] == 6
    assert expected_runs[("io.kestra.plugin.core.debug.Return", "SKIPPED")] == 18  # not reached by failed executions
    assert ("io.kestra.plugin.core.flow.Parallel", "FAILED") in expected_runs

    urls = runtime.fleet.management_urls("executor")
    assert len(urls) == 2

    want = (dict(executions), expected_runs, {("metrics.it",): 24, ("metrics.it.other",): 8})

    def totals():
        samples = scrape(urls)
        return samples, (by(samples, "podium_executions_ended_total", "namespace", "state"),
                         by(samples, "podium_task_runs_ended_total", "type", "state"),
                         by(samples, "podium_executions_started_total", "namespace"))

    # the last decision's metrics are recorded just after its commit: allow a moment
    poll_until(lambda: totals()[1] == want, 10, poll=0.5)
    samples, got = totals()
    assert got == want
    # both executors took part, each counted only what it committed
    per_executor = [sum(by(scrape([url]), "podium_executions_ended_total", "namespace",
                           "state").values()) for url in urls]
    assert sum(per_executor) == 32
    assert by(samples, "podium_execution_duration_seconds_count", "namespace", "state") \
        == dict(executions)
    handled = by(samples, "podium_executor_messages_total", "kind")
    assert handled[("start_execution",)] == 32 and handled[("task_result",)] > 0
    assert by(samples, "podium_executor_message_duration_seconds_count", "kind")[
        ("start_execution",)] >= 32
    assert by(samples, "podium_build_info", "service") == {("executor",): 2}
    assert ("podium_outbox_backlog", ()) in samples
    depths = by(samples, "podium_queue_depth", "queue")  # non-zero ones only
    assert all(queue[0].startswith("podium.") for queue in depths)
    assert any(name == "podium_queue_depth" for name, _ in samples)


def test_worker_metrics_and_health_endpoints(fleet):
    runtime = fleet
    [worker] = runtime.fleet.management_urls("worker")
    samples = scrape([worker])
    attempts = by(samples, "podium_worker_attempts_total", "type", "state")
    assert attempts[("io.kestra.plugin.core.log.Log", "SUCCESS")] >= 24
    assert by(samples, "podium_worker_slots", "state") == {("free",): 4}
    for url in runtime.fleet.management_urls():
        status, body = get(url + "/healthz")
        assert status == 200 and json.loads(body)["status"] == "UP", body
        assert "consumer" in json.loads(body)["checks"]
        status, body = get(url + "/readyz")
        assert status == 200, body


def test_prefork_worker_counts_attempts_of_its_children(deployment):
    runtime, _ = start_runtime(deployment, "metrics-prefork", executors=1, workers=1,
                               worker_concurrency=2, PODIUM_WORKER__POOL="prefork")
    try:
        deploy(runtime, SIMPLE)
        ids = [runtime.submit("metrics.it.other", "simple").id for _ in range(4)]
        assert {finish(runtime, i, timeout=60).state.value for i in ids} == {"SUCCESS"}
        [worker] = runtime.fleet.management_urls("worker")
        [role_process] = [p for role, p, _ in runtime.fleet.processes if role == "worker"]
        samples = scrape([worker])
        # 4 executions x 3 iterations, each attempt run in a pool child process
        assert by(samples, "podium_worker_attempts_total", "type", "state") == {
            ("io.kestra.plugin.core.debug.Return", "SUCCESS"): 12}
        assert by(samples, "podium_worker_attempt_duration_seconds_count", "type",
                  "state") == {("io.kestra.plugin.core.debug.Return", "SUCCESS"): 12}
        # slots: 2 free in the parent, children back to 0 busy
        assert by(samples, "podium_worker_slots", "state") == {("free",): 2}
        assert by(samples, "podium_build_info", "service") == {("worker",): 1}
        assert get(worker + "/healthz")[0] == 200 and get(worker + "/readyz")[0] == 200
        assert role_process.poll() is None
    finally:
        stop_runtime(deployment, runtime)
