"""`Runtime.wait_idle()`: tests wait for quiescence instead of sleeping."""

from __future__ import annotations

import time

import pytest

from podium.common.flow.loader import parse_flow
from podium.runtime import Runtime

SLEEPY = """
id: sleepy
namespace: tests.idle
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT1.5S
"""


@pytest.fixture
def rt(tmp_path):
    with Runtime.embedded(tmp_path, workers=1, environ={}) as runtime:
        yield runtime


def test_an_idle_runtime_returns_at_once(rt):
    began = time.monotonic()
    rt.wait_idle(timeout=5)
    assert time.monotonic() - began < 1


def test_does_not_return_while_a_sleep_task_runs_and_names_it(rt):
    rt.deploy(parse_flow(SLEEPY))
    execution = rt.submit("tests.idle", "sleepy")
    with pytest.raises(TimeoutError) as raised:
        rt.wait_idle(timeout=0.5)
    assert rt.get(execution.id).state.value == "RUNNING"
    assert "not idle after 0.5s" in str(raised.value)
    assert f"of execution {execution.id} running" in str(raised.value)


def test_returns_right_after_the_execution_ends_with_nothing_pending(rt):
    rt.deploy(parse_flow(SLEEPY))
    execution = rt.submit("tests.idle", "sleepy")
    rt.wait_idle(timeout=10)
    done = rt.get(execution.id)
    assert done.state.value == "SUCCESS"
    assert rt.transport.busy() == {}
    assert rt.worker.running_attempts() == []


def test_needs_the_in_process_transport(rt):
    class Remote:  # any other transport: nothing in this process to observe
        pass
    rt.transport, kept = Remote(), rt.transport
    try:
        with pytest.raises(Exception, match="in-process transport"):
            rt.wait_idle(timeout=1)
    finally:
        rt.transport = kept
