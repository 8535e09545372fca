"""A task that kills its worker every time ends FAILED after `executor.max_lost_attempts`
lost attempts (3), over real processes; another execution runs on unaffected.

The fleet's workers are replaced as the task kills them. Heartbeats are short here (0.5 s,
declared dead after 4 s) so that three deaths fit in well under a minute.
"""

from __future__ import annotations

import pytest

from podium.common.models.state import State
from tests.integration.conftest import (
    deploy,
    explain_stuck,
    own_database,
    start_runtime,
    stop_runtime,
)
from tests.waiting import poll_until

pytestmark = pytest.mark.service

# The script's first ancestor that is a `podium worker` process, killed as a crash would
# (the pattern's brackets keep it from matching the launcher, whose command line holds it).
POISON = """
id: poison
namespace: it.poison
inputs:
  - id: dir
    type: STRING
tasks:
  - id: kill-my-worker
    type: io.kestra.plugin.scripts.shell.Commands
    env:
      DIR: "{{ inputs.dir }}"
    commands:
      - echo $$ >> "$DIR/runs"
      - sleep 1
      - p=$PPID
      - while [ "$p" -gt 1 ]; do if tr '\\0' ' ' < /proc/$p/cmdline | grep -q 'podium[.]cli worker'; then kill -9 $p; exit 0; fi; p=$(cut -d' ' -f4 /proc/$p/stat); done
errors:
  - id: on-error
    type: io.kestra.plugin.core.log.Log
    message: the poison task failed
"""

HEALTHY = """
id: healthy
namespace: it.poison
tasks:
  - id: wait
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - sleep 1
  - id: done
    type: io.kestra.plugin.core.debug.Return
    format: ok
"""


@pytest.fixture(scope="module")
def runtime(deployment):
    # A database of its own: executors claim every silent worker row of their store.
    with own_database() as url:
        runtime, _ = start_runtime(
            deployment, "poison:", executors=1, workers=1, worker_concurrency=2,
            PODIUM_DATABASE__URL=url,
            PODIUM_WORKER__HEARTBEAT_SECONDS="0.5", PODIUM_WORKER__HEARTBEAT_TIMEOUT_SECONDS="4",
            PODIUM_BROKER__VISIBILITY_TIMEOUT_SECONDS="16",
            PODIUM_BROKER__RESTORE_INTERVAL_SECONDS="1")
        yield runtime
        stop_runtime(deployment, runtime)


def test_a_task_killing_its_worker_fails_after_three_lost_attempts(runtime, tmp_path):
    deploy(runtime, POISON)
    deploy(runtime, HEALTHY)
    poisoned = runtime.submit("it.poison", "poison", {"dir": str(tmp_path)})
    healthy = runtime.submit("it.poison", "healthy")

    def ended() -> bool:
        if runtime.get(poisoned.id).state.is_terminated:
            return True
        if not runtime.fleet.running("worker"):  # the task killed it: a replacement
            runtime.fleet.add("worker", 2)
            runtime.fleet.wait_ready(30)
        return False

    if not poll_until(ended, 120, poll=0.2):
        pytest.fail(explain_stuck(runtime, [poisoned.id, healthy.id], runtime.fleet))
    execution = runtime.get(poisoned.id)
    assert execution.state is State.FAILED
    runs = {run.task_id: run for run in runtime.task_runs(poisoned.id)}
    assert [a.state for a in runs["kill-my-worker"].attempts] == \
        [State.KILLED, State.KILLED, State.FAILED]
    assert runs["on-error"].state is State.SUCCESS  # the flow's failure path ran
    assert any("died 3 times in a row (attempts 1-3" in line.message
               for line in runtime.logs(poisoned.id))
    assert len((tmp_path / "runs").read_text().split()) >= 3
    # The other execution ran on, on whichever worker was alive.
    if not runtime.fleet.running("worker"):
        runtime.fleet.add("worker", 2)
    assert runtime.wait(healthy.id, timeout=60).state is State.SUCCESS
