"""The flow-level `timeout` on real processes: the execution FAILS on time and the running
script is killed on its worker (an executor timer, polled every
PODIUM_EXECUTOR__TIMER_POLL_SECONDS)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from common.models.state import State
from tests.integration.conftest import deploy, finish, start_runtime, stop_runtime, wait_for

pytestmark = pytest.mark.service

FLOW = """
id: timeout
namespace: it.timeout
timeout: PT2S
inputs:
  - id: pidfile
    type: STRING
tasks:
  - id: sleepy
    type: io.kestra.plugin.scripts.shell.Commands
    env:
      PIDFILE: "{{ inputs.pidfile }}"
    commands:
      - echo $$ > "$PIDFILE"
      - exec sleep 30
  - id: never
    type: io.kestra.plugin.core.debug.Return
    format: unreachable
"""


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _ = start_runtime(deployment, "timeout:", executors=1, workers=1,
                               PODIUM_EXECUTOR__TIMER_POLL_SECONDS="0.5")
    yield runtime
    stop_runtime(deployment, runtime)


def _alive(pid: int) -> bool:
    """True if `pid` is a live (not zombie) process still running `sleep 30`."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").strip()
    except (FileNotFoundError, ProcessLookupError):
        return False
    zombie = re.search(r"^State:\s+Z", status, re.M) is not None
    return not zombie and cmdline == b"sleep 30"


def test_flow_timeout_fails_the_execution_and_kills_the_script(runtime, tmp_path):
    deploy(runtime, FLOW)
    pidfile = tmp_path / "pid"
    started = time.monotonic()
    execution = runtime.submit("it.timeout", "timeout", {"pidfile": str(pidfile)})
    pid = int(wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), 20,
                       "the script to start"))

    execution = finish(runtime, execution.id, timeout=15)
    elapsed = time.monotonic() - started
    assert execution.state is State.FAILED
    assert execution.error == "execution timed out after PT2S"
    assert elapsed < 6, elapsed
    wait_for(lambda: not _alive(pid), 10, f"`sleep 30` (pid {pid}) to be gone")

    runs = runtime.task_runs(execution.id)
    assert [(r.task_id, r.state) for r in runs] == [("sleepy", State.FAILED)]
    # The worker reports the killed attempt afterwards; the executor must not revive it.
    time.sleep(1)
    assert runtime.get(execution.id).state is State.FAILED
